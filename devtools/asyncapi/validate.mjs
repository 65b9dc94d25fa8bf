// Validates an AsyncAPI document with the official parser (@asyncapi/parser), relative $refs
// to files included: `node devtools/asyncapi/validate.mjs schemas/asyncapi.yaml`.
// Prints the errors and warnings with its path in the document; exits 1 when
// the document is invalid (any error), 2 when it cannot be read, 0 otherwise.
import { Parser, fromFile } from '@asyncapi/parser';

const [path] = process.argv.slice(2);
if (!path) {
  console.error('usage: node validate.mjs ASYNCAPI_FILE');
  process.exit(2);
}

const SEVERITY = ['error', 'warning', 'info', 'hint'];
let result;
try {
  result = await fromFile(new Parser(), path).parse();
} catch (error) {
  console.error(`${path}: cannot be read: ${error.message}`);
  process.exit(2);
}
const { document, diagnostics } = result;
for (const diagnostic of diagnostics.filter((found) => found.severity <= 1)) {
  const where = diagnostic.path.length ? diagnostic.path.join('.') : '(document)';
  const line = diagnostic.range ? `:${diagnostic.range.start.line + 1}` : '';
  console.log(
    `${path}${line}: ${SEVERITY[diagnostic.severity] ?? diagnostic.severity}: ` +
      `${where}: ${diagnostic.message} [${diagnostic.code}]`,
  );
}
const errors = diagnostics.filter((diagnostic) => diagnostic.severity === 0).length;
if (document === undefined || errors > 0) {
  console.log(`${path}: INVALID (${errors} errors)`);
  process.exit(1);
}
console.log(`${path}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels`);

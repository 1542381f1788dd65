// Parses messages as ICU MessageFormat with the parser Home Assistant's frontend uses (through
// intl-messageformat), with the same options (tags allowed). Reads {"path": "message", ...} as JSON on
// stdin, prints {"path": "ERROR_KIND at column N", ...} for the messages that do not parse.
import { parse } from "@formatjs/icu-messageformat-parser";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const errors = {};
for (const [path, message] of Object.entries(JSON.parse(input))) {
  try {
    parse(message);
  } catch (error) {
    const column = error?.location?.start?.column;
    errors[path] = `${error.message}${column === undefined ? "" : ` at column ${column}`}`;
  }
}
process.stdout.write(JSON.stringify(errors));

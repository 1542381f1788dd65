// Bundles the card into custom_components/pyiot/www/ (or the folder given with --outdir).
// The output depends only on the sources and the locked toolchain; the first line carries the hash of
// the sources so that the integration can version the URL it serves.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const outIndex = process.argv.indexOf("--outdir");
const outdir = outIndex > 0 ? process.argv[outIndex + 1] : join(here, "../custom_components/pyiot/www");

function files(folder) {
  return readdirSync(folder, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(join(folder, entry.name)) : [join(folder, entry.name)]))
    .sort();
}

const hash = createHash("sha256");
for (const file of [...files(join(here, "src")), join(here, "package-lock.json"), join(here, "build.mjs")]) {
  hash.update(relative(here, file).replaceAll("\\", "/"));
  hash.update(readFileSync(file));
}
const digest = hash.digest("hex").slice(0, 16);

await build({
  entryPoints: [join(here, "src/pyiot-schedule-card.ts")],
  outfile: join(outdir, "pyiot-schedule-card.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  banner: { js: `/* pyiot-schedule-card ${digest} (built from frontend/ by scripts/build-frontend) */` },
  logLevel: "warning",
});

// Prints the sizes of the browser bundle (wasm, JS, CSS) as the server serves them: raw,
// gzip level 9 and brotli quality 11 (the server's precompressed copies use the same
// settings), and the critical path's brotli total against the 200 KB budget.
// Usage: node scripts/bundle-size.mjs [site root]

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const site = process.argv[2] ?? "target/site";
const BUDGET_KB = 200;
const pkg = join(site, "pkg");
const files = readdirSync(pkg).filter((name) => /\.(wasm|js|css)$/.test(name)).sort();
let totalBrotli = 0;
console.log(`${"file".padEnd(36)} ${"raw".padStart(10)} ${"gzip".padStart(10)} ${"brotli".padStart(10)}`);
for (const name of files) {
  const data = readFileSync(join(pkg, name));
  const gzip = gzipSync(data, { level: 9 }).length;
  const brotli = brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
  }).length;
  totalBrotli += brotli;
  console.log(`${name.padEnd(36)} ${String(data.length).padStart(10)} ${String(gzip).padStart(10)} ${String(brotli).padStart(10)}`);
}
const kb = totalBrotli / 1024;
console.log(`critical path (brotli): ${totalBrotli} bytes = ${kb.toFixed(1)} KB (budget ${BUDGET_KB} KB${kb > BUDGET_KB ? ", OVER" : ""})`);

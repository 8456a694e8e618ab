// Removes the tool-chain's notes from the built wasm files: the `producers` and
// `target_features` custom sections, which no browser reads. The linker and wasm-bindgen
// write them into the main module and wasm-split copies them into every chunk, about 200 B
// each; a page loads some twenty chunks before it is usable. Everything else in a file stays
// byte for byte. The server makes the compressed copies afresh for a file newer than them.
//
//   node scripts/strip-wasm.mjs target/site/pkg

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DROPPED = new Set(["producers", "target_features"]);
const CUSTOM_SECTION = 0;

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** The module without the dropped custom sections, or null when it has none of them. */
function stripped(bytes) {
  const kept = [bytes.subarray(0, 8)];
  let dropped = false;
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++];
    const [size, body] = readLeb(bytes, at);
    const end = body + size;
    if (end > bytes.length) throw new Error("a section runs past the end of the file");
    if (id === CUSTOM_SECTION) {
      const [nameLength, name] = readLeb(bytes, body);
      if (DROPPED.has(new TextDecoder().decode(bytes.subarray(name, name + nameLength)))) {
        dropped = true;
        at = end;
        continue;
      }
    }
    kept.push(bytes.subarray(start, end));
    at = end;
  }
  return dropped ? Buffer.concat(kept) : null;
}

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/strip-wasm.mjs <pkg directory>");
  process.exit(2);
}
let saved = 0;
for (const name of readdirSync(dir).filter((name) => name.endsWith(".wasm"))) {
  const path = join(dir, name);
  const bytes = readFileSync(path);
  if (bytes.readUInt32LE(0) !== 0x6d736100) throw new Error(`${name} is not a wasm module`);
  const smaller = stripped(bytes);
  if (smaller) {
    writeFileSync(path, smaller);
    saved += bytes.length - smaller.length;
  }
}
console.log(`strip-wasm: ${saved} bytes of tool notes removed from ${dir}`);

// Writes .br and .gz copies next to each text file of dist/, which the hosts' StaticSite serves to clients that
// accept them: compression is done once at build time instead of on every response.
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dist = new URL("../dist/", import.meta.url).pathname;
const compressible = /\.(js|css|html|svg|json|txt)$/;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* files(full);
    else if (compressible.test(name)) yield full;
  }
}

let raw = 0, br = 0, gz = 0;
for (const file of files(dist)) {
  const bytes = readFileSync(file);
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  const gzip = gzipSync(bytes, { level: 9 });
  // A copy that saves nothing is not worth a Content-Encoding.
  if (brotli.length < bytes.length) writeFileSync(`${file}.br`, brotli);
  if (gzip.length < bytes.length) writeFileSync(`${file}.gz`, gzip);
  raw += bytes.length; br += Math.min(brotli.length, bytes.length); gz += Math.min(gzip.length, bytes.length);
}
console.log(`compress: ${(raw / 1024).toFixed(1)} KiB -> brotli ${(br / 1024).toFixed(1)} KiB, gzip ${(gz / 1024).toFixed(1)} KiB`);

// Regenerates packages/server/openapi.json from the route schemas (npm run schema).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { generateOpenApi } from "../src/http/openapi-document.ts";

const target = path.join(import.meta.dirname, "..", "openapi.json");
await writeFile(target, JSON.stringify(await generateOpenApi(), null, 2) + "\n");
console.log(`wrote ${target}`);

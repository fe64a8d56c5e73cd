import { z } from "zod";
import { configFile } from "../src/config/yaml-schema.ts";
const s = z.toJSONSchema(configFile, { io: "input" });
console.log(JSON.stringify(s).length);
const r = configFile.safeParse({ pipelines: { p: { materials: {}, stges: [], stages: [{ a: { tasks: [{ exec: { command: 1 } }, [{script: "x", fetch: {}}]] } }] } } }, { reportInput: true });
console.log(JSON.stringify(r.error?.issues, null, 1));

/** Writes packages/core/schema/gocd-pipeline.schema.json from the zod schemas. Run: npx node packages/core/scripts/write-schema.ts */
import { writeFileSync } from "node:fs";
import { gocdConfigJsonSchema } from "@fawkes/core";

export const schemaPath = new URL("../schema/gocd-pipeline.schema.json", import.meta.url);

export function renderSchema(): string {
  return `${JSON.stringify(gocdConfigJsonSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(schemaPath, renderSchema());
  console.log(`wrote ${schemaPath.pathname}`);
}

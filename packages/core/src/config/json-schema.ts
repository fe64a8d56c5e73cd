/** The JSON Schema of the GoCD YAML format, generated from the zod schemas (for editor autocompletion). */
import { z } from "zod";
import { configFile } from "./yaml-schema.ts";

export function gocdConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFile, { io: "input", target: "draft-2020-12" }),
    $id: "https://fawkes.dev/schema/gocd-pipeline.schema.json",
    title: "GoCD YAML pipeline config (format_version 1-10) with Fawkes extensions",
  };
}

/**
 * `parseUserData`: user data (the bytes EC2 would hand cloud-init, after `Fn::Base64` is undone) → a BootPlan.
 * Forms: a `#!` script, `#cloud-config` YAML, MIME multi-part of those, any of them gzip-compressed. What cloud-init
 * does that Fawkes does not (`#include`, boothooks, part handlers, jinja templates, modules such as `packages`) is
 * reported as a warning, never a crash.
 */
import { gunzipSync } from "node:zlib";
import { parseCloudConfig, MAX_DECOMPRESSED_BYTES } from "./cloud-config.ts";
import { looksLikeMime, mimeParts, type MimePart } from "./mime.ts";
import type { BootCommand, BootFile, BootPlan, BootScript, BootUser } from "./plan.ts";

interface Collector {
  errors: string[];
  warnings: string[];
  hostname?: string;
  fqdn?: string;
  bootcmd: BootCommand[];
  writeFiles: BootFile[];
  users: BootUser[];
  runcmd: BootCommand[];
  scripts: BootScript[];
}

const isGzip = (data: Buffer): boolean => data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;

/** The part type cloud-init infers from a part's first line when its Content-Type does not say. */
function typeFromContent(body: Buffer): string {
  const head = body.subarray(0, 64).toString("latin1");
  if (head.startsWith("#!")) return "text/x-shellscript";
  if (/^#cloud-config(\s|$)/.test(head)) return "text/cloud-config";
  if (head.startsWith("#include")) return "text/x-include-url";
  if (head.startsWith("#cloud-boothook")) return "text/cloud-boothook";
  if (head.startsWith("#part-handler")) return "text/part-handler";
  if (head.startsWith("#cloud-config-archive")) return "text/cloud-config-archive";
  if (/^## template: *jinja/.test(head)) return "text/jinja2";
  return "text/plain";
}

function addPart(part: MimePart, plan: Collector): void {
  let body = part.body;
  let type = part.contentType;
  if (isGzip(body) || type === "application/x-gzip" || type === "application/gzip") {
    try {
      body = gunzipSync(body, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      plan.errors.push(`a gzip part cannot be decompressed: ${(error as Error).message}`);
      return;
    }
    type = "";
  }
  if (type === "" || type === "text/plain" || type === "text/x-not-multipart") type = typeFromContent(body);
  switch (type) {
    case "text/x-shellscript": {
      const name = part.filename ?? `part-${String(plan.scripts.length + 1).padStart(3, "0")}`;
      if (!body.subarray(0, 2).equals(Buffer.from("#!"))) {
        plan.errors.push(`script ${name} does not start with '#!' (cloud-init executes scripts directly)`);
        return;
      }
      plan.scripts.push({ name: name.replace(/[^A-Za-z0-9_.-]/g, "_"), content: body });
      return;
    }
    case "text/cloud-config": {
      const config = parseCloudConfig(body.toString("utf8"));
      plan.errors.push(...config.errors);
      plan.warnings.push(...config.warnings);
      plan.bootcmd.push(...config.bootcmd);
      plan.writeFiles.push(...config.writeFiles);
      plan.users.push(...config.users);
      plan.runcmd.push(...config.runcmd);
      if (config.hostname !== undefined) plan.hostname = config.hostname;
      if (config.fqdn !== undefined) plan.fqdn = config.fqdn;
      return;
    }
    case "text/x-include-url":
    case "text/x-include-once-url":
      plan.warnings.push(
        "#include user data is not supported by Fawkes (instances fetch nothing at boot); ignored",
      );
      return;
    case "text/cloud-boothook":
      plan.warnings.push("#cloud-boothook parts are not supported by Fawkes; use bootcmd; ignored");
      return;
    case "text/part-handler":
      plan.warnings.push("part handlers are not supported by Fawkes; ignored");
      return;
    case "text/jinja2":
      plan.warnings.push("jinja templates in user data are not supported by Fawkes; ignored");
      return;
    case "text/cloud-config-archive":
      plan.warnings.push("#cloud-config-archive is not supported by Fawkes; use MIME multi-part; ignored");
      return;
    default:
      plan.warnings.push(
        type === "text/plain"
          ? "user data part is not a script (#!) nor #cloud-config; ignored"
          : `user data part of type '${type}' is not supported; ignored`,
      );
  }
}

/** Reads user data. Never throws: what cannot be read is in `errors` (a failed boot) or `warnings`. */
export function parseUserData(data: Buffer): BootPlan {
  const plan: Collector = {
    errors: [],
    warnings: [],
    bootcmd: [],
    writeFiles: [],
    users: [],
    runcmd: [],
    scripts: [],
  };
  let bytes = data;
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      plan.errors.push(`gzip user data cannot be decompressed: ${(error as Error).message}`);
      return plan;
    }
  }
  if (bytes.length === 0) return plan;
  let parts: MimePart[];
  try {
    parts = looksLikeMime(bytes) ? mimeParts(bytes) : [{ contentType: "", body: bytes }];
  } catch (error) {
    plan.errors.push(`multi-part user data cannot be read: ${(error as Error).message}`);
    return plan;
  }
  for (const part of parts) addPart(part, plan);
  return plan;
}

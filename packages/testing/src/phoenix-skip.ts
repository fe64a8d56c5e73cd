/**
 * Why a test of phoenix instances cannot run here, or false when it can: instances need root (namespaces,
 * overlay mounts), and user data that fetches builds needs Debian's awscli inside the instance.
 */
import { existsSync } from "node:fs";

export function phoenixSkip(options: { aws?: boolean } = {}): string | false {
  if (process.getuid?.() !== 0) return "phoenix instances need root";
  if (options.aws !== false && !existsSync("/usr/bin/aws"))
    return "/usr/bin/aws (Debian's awscli) is not installed";
  return false;
}

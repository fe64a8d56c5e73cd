export type { BootCommand, BootFile, BootPlan, BootResult, BootScript, BootUser } from "./plan.ts";
export { parseUserData } from "./parse.ts";
export { DEFAULT_USER } from "./cloud-config.ts";
export {
  BOOT_DIR,
  CLOUD_INIT_VERSION,
  renderBoot,
  shellQuote,
  type BootBundle,
  type BootBundleFile,
} from "./render.ts";

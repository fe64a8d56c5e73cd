export {
  ConsoleStore,
  CONSOLE_DONE_FILE,
  CONSOLE_INDEX_FILE,
  CONSOLE_LOG_FILE,
  type ConsoleStoreOptions,
} from "./console-store.ts";

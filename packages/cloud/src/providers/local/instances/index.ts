export {
  allocateAddress,
  HOSTS_PER_NETWORK,
  INSTANCE_NETWORK,
  isInstanceAddress,
  listeningAddresses,
} from "./address.ts";
export {
  INSTANCE_METADATA_PORT,
  type HostEndpoint,
  type InstanceExit,
  type InstanceSpec,
  type RunningInstance,
  type TerminateOptions,
} from "./spec.ts";
export { launchInstance } from "./launch.ts";
export { INSTANCE_BIN, INSTANCE_PATH } from "./root-files.ts";
export { removeInstanceDirs } from "./stale.ts";
export { pidNamespaceOf, processesInNamespace, processState } from "./processes.ts";

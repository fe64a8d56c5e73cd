export { allocateElasticAddress, ELASTIC_NETWORK, isElasticAddress } from "./pool.ts";
export {
  startAddressProxy,
  type AddressProxy,
  type AddressProxyOptions,
  type AddressTarget,
  type DrainResult,
} from "./proxy.ts";
export {
  admits,
  cidrContains,
  ingressRulesOf,
  listenedPorts,
  MAX_LISTENED_RANGE,
  type IngressRule,
} from "./rules.ts";

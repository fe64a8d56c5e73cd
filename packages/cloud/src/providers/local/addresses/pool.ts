import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { freeAddressIn } from "../instances/address.ts";

/** Elastic (stable) addresses: `127.101.0.0/16`, local on Linux, beside the instances' `127.100.0.0/16`. */
export const ELASTIC_NETWORK = "127.101.0.0/16";

/** True for an address of ELASTIC_NETWORK that allocateElasticAddress could hand out. */
export function isElasticAddress(address: string): boolean {
  const match = /^127\.101\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (match === null) return false;
  return Number(match[1]) <= 255 && Number(match[2]) >= 1 && Number(match[2]) <= 254;
}

/** A free address of ELASTIC_NETWORK: the lowest from host number `start` (as allocateAddress). Throws when all are in use. */
export function allocateElasticAddress(inUse: ReadonlySet<string>, start = 0): string {
  const address = freeAddressIn("127.101.", inUse, start);
  if (address !== undefined) return address;
  throw new FawkesError(ErrorCode.addressesExhausted, `every address of ${ELASTIC_NETWORK} is allocated`);
}

import { ErrorCode, FawkesError } from "@fawkes/protocol";

/** Elastic (stable) addresses: `127.101.0.0/16`, local on Linux, beside the instances' `127.100.0.0/16`. */
export const ELASTIC_NETWORK = "127.101.0.0/16";

/** True for an address of ELASTIC_NETWORK that allocateElasticAddress could hand out. */
export function isElasticAddress(address: string): boolean {
  const match = /^127\.101\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (match === null) return false;
  return Number(match[1]) <= 255 && Number(match[2]) >= 1 && Number(match[2]) <= 254;
}

/** The lowest free address of ELASTIC_NETWORK (`.0` and `.255` skipped). Throws when all are in use. */
export function allocateElasticAddress(inUse: ReadonlySet<string>): string {
  for (let third = 0; third <= 255; third++)
    for (let fourth = 1; fourth <= 254; fourth++) {
      const address = `127.101.${third}.${fourth}`;
      if (!inUse.has(address)) return address;
    }
  throw new FawkesError(ErrorCode.addressesExhausted, `every address of ${ELASTIC_NETWORK} is allocated`);
}

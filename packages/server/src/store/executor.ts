import type { Kysely, Transaction } from "kysely";
import type { Database } from "./schema.ts";

/** Either the database or an open transaction: every repository function takes one. */
export type Executor = Kysely<Database> | Transaction<Database>;

export const bool = (value: boolean): number => (value ? 1 : 0);

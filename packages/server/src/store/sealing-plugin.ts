/**
 * Seals secrets on their way into the database and opens them on the way out, for every query of the handle
 * (transactions included), so repository code and the engine work on plain values in memory and no write can
 * forget to seal. Columns and what is secret in them: sealed-values.ts.
 *
 * Writes: an insert or update that sets `pipeline_runs.config_json` or `variables_json` gets its value
 * sealed. Raw SQL (`sql\`…\``) is not transformed: a migration that seals rows itself writes through it.
 * Reads: any result column with one of those names has its sealed values opened (a cheap `includes` when there
 * are none, so the dashboard pays nothing for runs without secrets).
 */
import {
  ColumnNode,
  ColumnUpdateNode,
  InsertQueryNode,
  PrimitiveValueListNode,
  TableNode,
  UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";
import {
  CONFIG_BINDING,
  VARIABLES_BINDING,
  openSealedJson,
  sealConfigJson,
  sealVariablesJson,
} from "./sealed-values.ts";

type Sealer = (dataKey: Buffer, json: string) => string;

const SEALED_COLUMNS: Record<string, Record<string, { seal: Sealer; boundTo: string }>> = {
  pipeline_runs: {
    config_json: { seal: sealConfigJson, boundTo: CONFIG_BINDING },
    variables_json: { seal: sealVariablesJson, boundTo: VARIABLES_BINDING },
  },
};
const OPENED_COLUMNS = new Map(
  Object.values(SEALED_COLUMNS).flatMap((columns) =>
    Object.entries(columns).map(([column, { boundTo }]) => [column, boundTo] as const),
  ),
);

export class SealingPlugin implements KyselyPlugin {
  readonly #dataKey: Buffer;

  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) throw new Error("the data key must be 32 bytes");
    this.#dataKey = dataKey;
  }

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (InsertQueryNode.is(node)) return this.#sealInsert(node);
    if (UpdateQueryNode.is(node)) return this.#sealUpdate(node);
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    for (const row of result.rows) {
      for (const [column, boundTo] of OPENED_COLUMNS) {
        const value = row[column];
        if (typeof value === "string") row[column] = openSealedJson(this.#dataKey, value, boundTo);
      }
    }
    return result;
  }

  #sealInsert(node: InsertQueryNode): InsertQueryNode {
    const sealed = sealedColumnsOf(node.into);
    if (!sealed || !node.columns || !node.values || !ValuesNode.is(node.values)) return node;
    const sealers = node.columns.map((column) => sealed[column.column.name]?.seal);
    if (sealers.every((sealer) => sealer === undefined)) return node;
    const sealValue = (value: unknown, index: number): unknown => {
      const sealer = sealers[index];
      return sealer && typeof value === "string" ? sealer(this.#dataKey, value) : value;
    };
    const values = node.values.values.map((item) =>
      PrimitiveValueListNode.is(item)
        ? PrimitiveValueListNode.create(item.values.map(sealValue))
        : ValueListNode.create(
            item.values.map((value, index) =>
              ValueNode.is(value) ? ValueNode.create(sealValue(value.value, index)) : value,
            ),
          ),
    );
    return { ...node, values: ValuesNode.create(values) };
  }

  #sealUpdate(node: UpdateQueryNode): UpdateQueryNode {
    const sealed = sealedColumnsOf(node.table);
    if (!sealed || !node.updates) return node;
    const updates = node.updates.map((update) => {
      const sealer = ColumnNode.is(update.column) ? sealed[update.column.column.name]?.seal : undefined;
      if (!sealer || !ValueNode.is(update.value) || typeof update.value.value !== "string") return update;
      return ColumnUpdateNode.create(
        update.column,
        ValueNode.create(sealer(this.#dataKey, update.value.value)),
      );
    });
    return { ...node, updates };
  }
}

/** The sealed columns of the table an insert or update writes (named plainly: the store uses no aliases). */
function sealedColumnsOf(node: OperationNode | undefined): (typeof SEALED_COLUMNS)[string] | undefined {
  return node && TableNode.is(node) ? SEALED_COLUMNS[node.table.identifier.name] : undefined;
}

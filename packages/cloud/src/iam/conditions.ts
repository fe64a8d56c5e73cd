/**
 * Condition evaluation with AWS's semantics (IAM user guide, "Condition operators" and "Creating a condition with
 * multiple keys or values"):
 * - clauses (operators, and keys within an operator) are ANDed; the policy values of one key are ORed;
 * - a missing key makes an operator false, a negated operator (StringNotEquals, NotIpAddress…) true, and any
 *   `…IfExists` operator true; `Null` tests presence;
 * - `ForAnyValue:` is true when some request value satisfies the operator (false on an empty or missing set),
 *   `ForAllValues:` when every request value does (true on an empty or missing set).
 */
import type { RequestContext } from "./context.ts";
import { operators } from "./operators.ts";
import type { ConditionClause } from "./types.ts";

export function clauseHolds(clause: ConditionClause, context: RequestContext, variables: boolean): boolean {
  const requestValues = context.values.get(clause.key.toLowerCase());
  const present = requestValues !== undefined && requestValues.length > 0;

  if (clause.base === "Null") {
    return clause.values.some((value) => (value.toLowerCase() === "true" ? !present : present));
  }
  const spec = operators[clause.base];
  if (!present) {
    if (clause.ifExists) return true;
    if (clause.qualifier === "ForAllValues") return true;
    if (clause.qualifier === "ForAnyValue") return false;
    return spec.negated;
  }

  // A request value "matches" when it satisfies the non-negated form against any policy value.
  const matches = (requestValue: string) =>
    clause.values.some((policyValue) => spec.compare(requestValue, policyValue, context.lookup, variables));
  const satisfies = (requestValue: string) => (spec.negated ? !matches(requestValue) : matches(requestValue));

  if (clause.qualifier === "ForAllValues") return requestValues.every(satisfies);
  if (clause.qualifier === "ForAnyValue") return requestValues.some(satisfies);
  // A plain operator on a multi-valued key: any value matching counts, and a negated operator needs none to match.
  return spec.negated ? !requestValues.some(matches) : requestValues.some(matches);
}

export function conditionsHold(
  clauses: readonly ConditionClause[],
  context: RequestContext,
  variables: boolean,
): boolean {
  return clauses.every((clause) => clauseHolds(clause, context, variables));
}

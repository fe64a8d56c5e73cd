/**
 * The shape every state machine of the engine shares, and the one function that moves a record along one.
 * A machine is a plain `as const` table (state → event → next state): the server reads a record's current
 * state, asks `transition` for the next one, and writes only what it returns. An event a state does not list
 * is an illegal transition: FAWKES_ILLEGAL_TRANSITION (409), and nothing is written.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";

export interface StateMachine {
  /** What the records are called in messages ("job", "stage", "run", "agent"). */
  readonly name: string;
  /** The states a record may be created in. */
  readonly initial: readonly string[];
  /** For every state, the events it accepts and the state each leads to; a state with none is terminal. */
  readonly transitions: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export type StateOf<M extends StateMachine> = keyof M["transitions"] & string;

/** Every event any state of `M` accepts (distributes over the states, so it is a union, not an intersection). */
export type EventOf<M extends StateMachine> = M["transitions"][StateOf<M>] extends infer Edges
  ? Edges extends unknown
    ? keyof Edges & string
    : never
  : never;

/** The state `event` leads to from `from`, or undefined when `from` does not accept it. */
export function nextState<M extends StateMachine>(
  machine: M,
  from: StateOf<M>,
  event: EventOf<M>,
): StateOf<M> | undefined {
  const edges: Readonly<Record<string, string>> | undefined = machine.transitions[from];
  return edges && Object.hasOwn(edges, event) ? (edges[event] as StateOf<M>) : undefined;
}

/** The state `event` leads to from `from`; throws FAWKES_ILLEGAL_TRANSITION when `from` does not accept it. */
export function transition<M extends StateMachine>(
  machine: M,
  from: StateOf<M>,
  event: EventOf<M>,
): StateOf<M> {
  const to = nextState(machine, from, event);
  if (to === undefined) {
    throw new FawkesError(ErrorCode.illegalTransition, `a ${machine.name} that is ${from} cannot ${event}`);
  }
  return to;
}

/** Every edge of a machine as [from, event, to] (for docs and tests). */
export function edgesOf(machine: StateMachine): [from: string, event: string, to: string][] {
  return Object.entries(machine.transitions).flatMap(([from, edges]) =>
    Object.entries(edges).map(([event, to]): [string, string, string] => [from, event, to]),
  );
}

import { stateSymbol, stateText, type DisplayState } from "../format/states.ts";

/** A state in words with a symbol and a colour: readable without colour. */
export function StateBadge({ state, label }: { state: DisplayState; label?: string }) {
  return (
    <span className={`badge state-${state}`} data-state={state}>
      <span aria-hidden="true" className="badge-symbol">
        {stateSymbol[state]}
      </span>
      {label ?? stateText[state]}
    </span>
  );
}

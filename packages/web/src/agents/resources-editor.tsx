import { useId, useState, type FormEvent } from "react";
import { commands } from "../api/commands.ts";
import { errorMessage } from "../api/http.ts";
import { useAnnouncer } from "../ui/announcer.tsx";
import { parseResources } from "./resources.ts";

/** An agent's resources, with an inline editor (PATCH) behind an Edit button (for an administrator). */
export function ResourcesEditor({
  agent,
  resources,
  editable,
}: {
  agent: string;
  resources: string[];
  editable: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const { announce } = useAnnouncer();
  const inputId = useId();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await commands.updateAgentResources(agent, parseResources(text));
      setEditing(false);
      announce(`Saved the resources of ${agent}`);
    } catch (error) {
      announce(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  if (!editing) {
    return (
      <div className="resources">
        {resources.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          <ul className="tag-list">
            {resources.map((resource) => (
              <li key={resource} className="tag">
                {resource}
              </li>
            ))}
          </ul>
        )}
        {editable && (
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              setText(resources.join(", "));
              setEditing(true);
            }}
            aria-label={`Edit resources of ${agent}`}
          >
            Edit
          </button>
        )}
      </div>
    );
  }
  return (
    <form className="resources-form" onSubmit={(event) => void save(event)}>
      <label htmlFor={inputId} className="visually-hidden">
        Resources of {agent}, separated by commas
      </label>
      <input
        id={inputId}
        value={text}
        onChange={(event) => setText(event.target.value)}
        placeholder="docker, linux"
        autoFocus
        spellCheck={false}
      />
      <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
        Save
      </button>
      <button type="button" className="button button-quiet" onClick={() => setEditing(false)}>
        Cancel
      </button>
    </form>
  );
}

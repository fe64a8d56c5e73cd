import type { MaterialRevisionDto } from "@fawkes/protocol";
import { shortRevision } from "../format/time.ts";

/** The revisions a run built, with commit subjects (or upstream labels); changed ones are marked. */
export function MaterialRevisions({ materials }: { materials: MaterialRevisionDto[] }) {
  return (
    <ul className="material-revisions">
      {materials.map((material) => (
        <li key={material.material}>
          <span className="material-name">{material.material}</span>{" "}
          <code title={material.revision}>{shortRevision(material.revision)}</code>
          {material.changed && <span className="changed-mark"> (changed)</span>}
          {material.description !== "" && <span className="commit-subject"> {material.description}</span>}
        </li>
      ))}
    </ul>
  );
}

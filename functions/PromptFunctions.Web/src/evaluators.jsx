import { useId } from "preact/hooks";

/** The evaluators a person picks most often, with the options that make them useful on free text. */
export const EVALUATOR_CHOICES = [
  { key: "exact_match", label: "Exact match (trimmed)", spec: { type: "exact_match", trim: true } },
  { key: "contains", label: "Contains the expected text", spec: { type: "contains", case_sensitive: false } },
  { key: "levenshtein", label: "Edit-distance similarity", spec: { type: "levenshtein" } },
  { key: "numeric", label: "Numeric (first number, ±0.5)", spec: { type: "numeric", abs_tolerance: 0.5, extract: "first" } },
  { key: "json_valid", label: "Valid JSON", spec: { type: "json_valid" } },
];

export const evaluatorSpecs = (keys) => EVALUATOR_CHOICES.filter((c) => keys.includes(c.key)).map((c) => c.spec);

export function EvaluatorPicker({ value, onChange }) {
  const id = useId();
  return (
    <fieldset>
      <legend>Evaluators</legend>
      {EVALUATOR_CHOICES.map((c) => (
        <label class="check" key={c.key} for={`${id}-${c.key}`}>
          <input id={`${id}-${c.key}`} type="checkbox" checked={value.includes(c.key)}
            onChange={(e) => onChange(e.currentTarget.checked ? [...value, c.key] : value.filter((k) => k !== c.key))} />
          {" "}{c.label}
        </label>
      ))}
    </fieldset>
  );
}

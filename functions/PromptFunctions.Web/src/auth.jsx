import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** The signed-in key: { name, roles, permissions: {read, write, promote, admin}, protected_tags } from GET /api/me. */
export const Caller = createContext(null);
export const useCaller = () => useContext(Caller);

/**
 * Why the key may not do something, or null when it may. The API enforces the same rules; this only lets the page
 * disable the control and say why before anyone tries.
 */
export function denial(caller, need, tag) {
  if (!caller) return "Sign in first.";
  const p = caller.permissions;
  if (need === "write" && !p.write) return `Your key "${caller.name}" is read-only: this needs the write role.`;
  if (need === "promote" && !p.promote) return `Your key "${caller.name}" lacks the promote role.`;
  if (tag && caller.protected_tags.includes(tag)) {
    if (!p.write) return `Your key "${caller.name}" is read-only: moving tags needs the write role.`;
    if (!p.promote) return `"${tag}" is a protected tag: moving it needs the promote role, which your key "${caller.name}" lacks.`;
  } else if (tag && !p.write) {
    return `Your key "${caller.name}" is read-only: moving tags needs the write role.`;
  }
  return null;
}

export const useDenial = (need, tag) => denial(useCaller(), need, tag);

/** A template as its messages (or its text), with {{variables}} and {placeholders} marked. */
export function MessagesView({ template }) {
  if (!template) return null;
  if (typeof template === "string" || template.type === "string") {
    return <pre class="message"><Marked text={typeof template === "string" ? template : template.template} /></pre>;
  }
  const messages = Array.isArray(template) ? template : template.messages ?? [];
  return (
    <ol class="messages">
      {messages.map((m, i) => (
        <li key={i} class={`message role-${m.role ?? "placeholder"}`}>
          {m.type === "placeholder"
            ? <><span class="role">placeholder</span> <code>{m.name}</code> <span class="muted">(a list of messages supplied at render time)</span></>
            : <><span class="role">{m.role}</span><pre><Content content={m.content} /></pre></>}
        </li>
      ))}
    </ol>
  );
}

function Content({ content }) {
  if (typeof content === "string") return <Marked text={content} />;
  if (!Array.isArray(content)) return JSON.stringify(content);
  return content.map((part, i) => part.type === "text"
    ? <Marked key={i} text={part.text} />
    : <span key={i} class="part">{`[${part.type}] ${JSON.stringify(part)}`}{"\n"}</span>);
}

/** Marks {{mustache}} and {f-string} fields so that variables stand out. */
export function Marked({ text }) {
  if (!text) return null;
  const pieces = text.split(/(\{\{[^{}]*\}\}|\{[A-Za-z_][\w.[\]]*(?:![rsa])?(?::[^{}]*)?\})/g);
  return pieces.map((piece, i) => (i % 2 === 1 ? <mark key={i} class="var">{piece}</mark> : piece));
}

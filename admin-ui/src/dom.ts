/** A few lines of DOM building, so each view reads as the markup it makes. */
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = Object.assign(document.createElement(tag), props);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A labelled input: the label names it for people and for the end-to-end test alike. */
export function field(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): HTMLLabelElement {
  return h('label', {}, h('span', {}, label), input);
}

/** A line that shows what an action did, or "ERROR: <the server's text>" as 0.8's page did. */
export class StatusLine {
  readonly element = h('p', { className: 'status', role: 'status' });

  ok(text: string): void {
    this.element.className = 'status ok';
    this.element.textContent = text;
  }

  fail(error: unknown): void {
    this.element.className = 'status error';
    this.element.textContent = `ERROR: ${error instanceof Error ? error.message : String(error)}`;
  }

  clear(): void {
    this.element.className = 'status';
    this.element.textContent = '';
  }
}

/** Runs an action from a button or form, reporting its failure on the status line. */
export function attempt(status: StatusLine, action: () => Promise<void>): void {
  status.clear();
  action().catch((error: unknown) => status.fail(error));
}

/** A button for what cannot be undone: asks first, then reports what `action` says it did. */
export function deleteButton(label: string, question: string, status: StatusLine, action: () => Promise<string>): HTMLButtonElement {
  const button = h('button', { type: 'button', className: 'danger' }, label);
  button.onclick = () => {
    if (!confirm(question)) return;
    attempt(status, async () => status.ok(await action()));
  };
  return button;
}

export interface LiveRows {
  readonly tbody: HTMLTableSectionElement;
  /** Loads the list again, after a change made here or elsewhere. */
  refresh(): Promise<void>;
}

/** A table body listing what `load` fetches, one row an item; loading failures go to `status`. */
export function liveRows<T>(status: StatusLine, load: () => Promise<T[]>, row: (item: T, refresh: () => Promise<void>) => HTMLElement): LiveRows {
  const tbody = h('tbody');
  const refresh = async (): Promise<void> => {
    tbody.replaceChildren(...(await load()).map((item) => row(item, refresh)));
  };
  attempt(status, refresh);
  return { tbody, refresh };
}

/**
 * A function call's arguments as the registry needs to see them. The planner describes its
 * syntax tree in these terms, which keeps the engine free of query/ imports.
 */
export type AggregateArgument =
  | { readonly kind: 'column'; readonly name: string }
  /** Arithmetic over columns; `operator` is the top-level one (count reports it). */
  | { readonly kind: 'expression'; readonly operator: string }
  | { readonly kind: 'int'; readonly value: bigint; readonly text: string }
  | { readonly kind: 'float'; readonly value: number; readonly text: string }
  /** Any other literal or value (string, bool, duration), as written. */
  | { readonly kind: 'other'; readonly text: string }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly AggregateArgument[] };

export interface AggregateCall {
  readonly name: string;
  readonly args: readonly AggregateArgument[];
  readonly alias?: string;
}

/** An argument as a user wrote it, for error messages. */
export function argumentText(argument: AggregateArgument): string {
  switch (argument.kind) {
    case 'column':
      return argument.name;
    case 'expression':
      return argument.operator;
    case 'wildcard':
      return '*';
    case 'call':
      return argument.name;
    default:
      return argument.text;
  }
}

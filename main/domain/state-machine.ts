/**
 * A state machine as a table: each state lists the states it may move to; a state with no way
 * out is final. The payment, refund and vend state modules declare theirs with this type, so the
 * legal moves and the final states are written once, next to the states themselves.
 */

export type StateMachine<S extends string> = { readonly [From in S]: readonly S[] };

/** True when MACHINE allows a move from FROM to TO. */
export function canMove<S extends string>(machine: StateMachine<S>, from: S, to: S): boolean {
  return machine[from].includes(to);
}

/** True when nothing follows STATE in MACHINE. */
export function isFinalIn<S extends string>(machine: StateMachine<S>, state: S): boolean {
  return machine[state].length === 0;
}

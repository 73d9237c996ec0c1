/**
 * An object that forwards every method and property of `target` (own fields and the whole prototype
 * chain) to it, with `this` bound to the target, plus the `own` members that replace or extend them.
 * Bound once: a forwarded method call costs one bound-function call, no lookup. It follows the target's
 * interface as it grows (a method added to the monitor is forwarded without a change here).
 */
export function forwardTo<T extends object, E extends object>(target: T, own: E): Omit<T, keyof E> & E {
  const out: Record<PropertyKey, unknown> = {}
  Object.defineProperties(out, Object.getOwnPropertyDescriptors(own))
  const forward = (key: PropertyKey, d: PropertyDescriptor) => {
    if (key === 'constructor' || Object.hasOwn(out, key)) return
    const value: unknown = d.value
    if (typeof value === 'function') Object.defineProperty(out, key, { value: value.bind(target), enumerable: true })
    else Object.defineProperty(out, key, { get: () => Reflect.get(target, key), enumerable: true })
  }
  for (let o: object | null = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Reflect.ownKeys(o)) forward(key, Object.getOwnPropertyDescriptor(o, key) ?? {})
  }
  return out as Omit<T, keyof E> & E
}

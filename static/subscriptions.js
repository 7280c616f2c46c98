// @ts-check
// How the page's parts listen and stop listening, after wavesurfer.js: every `on()` returns its unsubscribe
// function, and a part's `destroy()` drains the ones it collected (wavesurfer's BasePlugin keeps `subscriptions`
// and runs them in destroy(); src/base-plugin.ts in katspaugh/wavesurfer.js). Parts that send events of their own
// extend wavesurfer's EventEmitter (the same module the waveform uses, served from /vendor/wavesurfer/).
import EventEmitter from '/vendor/wavesurfer/event-emitter.js'

export { EventEmitter }

/**
 * Adds a DOM listener and returns the function that removes it.
 * @template {keyof HTMLElementEventMap} K
 * @param {EventTarget} target
 * @param {K} type
 * @param {(e: HTMLElementEventMap[K]) => void} handler
 * @param {AddEventListenerOptions} [options]
 * @returns {() => void}
 */
export function listen(target, type, handler, options) {
  const fn = /** @type {EventListener} */ (handler)
  target.addEventListener(type, fn, options)
  return () => target.removeEventListener(type, fn, options)
}

/** Unsubscribe functions a part collected; `drain()` (its destroy) runs each once. */
export class Subscriptions {
  /** @type {(() => void)[]} */
  #list = []

  /**
   * Keeps unsubscribe functions (from `listen`, an emitter's `on()`, or any clean-up such as `observer.disconnect`).
   * @param {...(() => void)} unsubscribe
   */
  add(...unsubscribe) {
    this.#list.push(...unsubscribe)
  }

  /**
   * `listen()` whose removal is kept here.
   * @template {keyof HTMLElementEventMap} K
   * @param {EventTarget} target
   * @param {K} type
   * @param {(e: HTMLElementEventMap[K]) => void} handler
   * @param {AddEventListenerOptions} [options]
   */
  listen(target, type, handler, options) {
    this.add(listen(target, type, handler, options))
  }

  /** Runs every collected unsubscribe function, newest first, and forgets them. */
  drain() {
    const list = this.#list
    this.#list = []
    for (const fn of list.reverse()) fn()
  }
}

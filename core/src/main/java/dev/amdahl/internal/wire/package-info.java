/**
 * Task messages as they travel through a broker: {@link dev.amdahl.internal.wire.TaskMessage} and its strict
 * JSON codec, which rejects malformed input with a reason. May use: {@code internal.json} and the public API's
 * option types; never the client, worker or workflow packages.
 */
package dev.amdahl.internal.wire;

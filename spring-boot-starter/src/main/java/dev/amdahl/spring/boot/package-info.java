/**
 * Amdahl for Spring Boot: {@link dev.amdahl.spring.boot.AmdahlAutoConfiguration} makes an {@link dev.amdahl.Amdahl}
 * bean from {@link dev.amdahl.spring.boot.AmdahlProperties} ({@code amdahl.*}) with the tasks of every
 * {@link dev.amdahl.TaskCatalog} bean, and runs its worker with the context
 * ({@link dev.amdahl.spring.boot.AmdahlWorkerLifecycle}). See the module's README.
 */
package dev.amdahl.spring.boot;

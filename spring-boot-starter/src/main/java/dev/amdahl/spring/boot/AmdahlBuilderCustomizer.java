package dev.amdahl.spring.boot;

import dev.amdahl.Amdahl;

/**
 * Changes the {@link Amdahl.Builder} before the auto-configured application is built, for what the properties do not
 * say: signing keys, routes, message limits, a clock. Beans of this type are applied in their {@code @Order}.
 *
 * <pre>{@code
 * @Bean
 * AmdahlBuilderCustomizer routes() {
 *     return builder -> builder.route("photo.thumbnail", "cpu").route("photo.*", "io");
 * }
 * }</pre>
 */
@FunctionalInterface
public interface AmdahlBuilderCustomizer {

    void customize(Amdahl.Builder builder);
}

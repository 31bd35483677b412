package dev.amdahl.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.amdahl.Amdahl;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Passwords in URLs are masked wherever the text they sit in goes. */
class UrlMaskingTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "redis://:s3cret@host:6379/0                 | redis://:****@host:6379/0",
        "redis://app:s3cret@host:6379?prefix=a       | redis://app:****@host:6379?prefix=a",
        "rediss://s3cret@host                        | rediss://****@host",
        "redis://:s3@cret@host                       | redis://:****@host",
        "amqp://u:p%40ss@h/vhost                     | amqp://u:****@h/vhost",
        "redis://host:6379/0?a=b@c                   | redis://host:6379/0?a=b@c",
        "redis://host:6379                           | redis://host:6379",
        "cannot reach redis://a:s3cret@h:1 (refused) or amqp://b:pw@g | cannot reach redis://a:****@h:1 (refused) or amqp://b:****@g",
        "'REDIS://x:s3cret@h'                        | 'REDIS://x:****@h'",
        "redis://:pa#ss@127.0.0.1:1                  | redis://:****@127.0.0.1:1",
        "redis://:pa/ss@h                            | redis://:****@h",
        "redis://u:p?w@h:6379                        | redis://u:****@h:6379",
        "cannot open redis://:p w@h: refused         | cannot open redis://:****@h: refused",
        "redis://h:6379/0?prefix=a@b then x@y        | redis://h:6379/0?prefix=a@b then x@y",
    })
    void masksThePasswordOfEveryUrlInTheText(String text, String masked) {
        assertThat(UrlMasking.mask(text)).isEqualTo(masked);
    }

    @Test
    void masksAUri() {
        assertThat(UrlMasking.mask(URI.create("redis://u:s3cret@h:1"))).isEqualTo("redis://u:****@h:1");
        assertThat(UrlMasking.mask((String) null)).isNull();
    }

    @Test
    void aMalformedBrokerUrlIsReportedWithoutItsPassword() {
        // java.net.URI's own message would repeat the whole URL, password and all
        Throwable e = catchThrowable(() -> Amdahl.builder().broker("redis://:s3cret@ho st:6379").build());

        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redis://:****@ho st:6379")
                .hasMessageContaining("malformed").hasNoCause();
        assertThat(e.getMessage()).doesNotContain("s3cret");
    }

    @Test
    void aBrokerThatKeepsNoResultsIsNamedWithoutItsPassword() {
        Throwable e = catchThrowable(() -> Amdahl.builder().broker("nosuch://u:s3cret@h").build());

        assertThat(e).isInstanceOf(IllegalArgumentException.class);
        assertThat(e.toString()).doesNotContain("s3cret");
    }
}

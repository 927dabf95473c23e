package dev.weft.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.DeadlineExceededException;
import dev.weft.Timeout;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

/**
 * The JDK's request timeout firing before weft's clock reads weft's deadline as passed: a timer
 * skew of a few milliseconds is still weft's deadline, a timeout further ahead is reported as it
 * is. The delegate times out at once, so both cases are deterministic.
 */
class EarlyTimeoutTest {
    private static final HttpRequest REQUEST = HttpRequest.newBuilder(URI.create("http://127.0.0.1:9/")).build();

    /** A JDK timeout a few milliseconds early is weft's deadline: failAfter throws DeadlineExceededException. */
    @Test
    void aTimeoutWithinTheTimersSkewIsWeftsDeadline() {
        WeftHttpClient http = WeftHttpClient.wrap(new TimingOutClient());
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertThrows(DeadlineExceededException.class,
                    () -> Timeout.failAfter(Duration.ofMillis(5), () -> http.send(REQUEST, HttpResponse.BodyHandlers.discarding())));
            assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(5).toNanos(), "ended at weft's deadline, not before");
            assertFalse(Thread.currentThread().isInterrupted(), "no interrupt leaked");
        }
    }

    /** A timeout well before weft's deadline (a connect timeout, say) is the JDK's own and is not delayed. */
    @Test
    void aTimeoutFarAheadOfTheDeadlineIsReportedAsItIs() {
        WeftHttpClient http = WeftHttpClient.wrap(new TimingOutClient());
        long t0 = System.nanoTime();
        Exception e = assertThrows(Exception.class,
                () -> Timeout.failAfter(Duration.ofSeconds(30), () -> http.send(REQUEST, HttpResponse.BodyHandlers.discarding())));
        assertInstanceOf(HttpTimeoutException.class, e);
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos(), "not held until weft's deadline");
    }

    /** A client whose every send times out at once. */
    private static final class TimingOutClient extends HttpClient {
        @Override
        public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
            throw new HttpTimeoutException("request timed out");
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
            return CompletableFuture.failedFuture(new HttpTimeoutException("request timed out"));
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                HttpResponse.PushPromiseHandler<T> push) {
            return sendAsync(request, handler);
        }

        @Override
        public Optional<CookieHandler> cookieHandler() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> connectTimeout() {
            return Optional.empty();
        }

        @Override
        public Redirect followRedirects() {
            return Redirect.NEVER;
        }

        @Override
        public Optional<ProxySelector> proxy() {
            return Optional.empty();
        }

        @Override
        public SSLContext sslContext() {
            return null;
        }

        @Override
        public SSLParameters sslParameters() {
            return new SSLParameters();
        }

        @Override
        public Optional<Authenticator> authenticator() {
            return Optional.empty();
        }

        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }

        @Override
        public Optional<Executor> executor() {
            return Optional.empty();
        }
    }
}

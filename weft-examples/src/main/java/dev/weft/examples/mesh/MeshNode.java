package dev.weft.examples.mesh;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weft.CancelledException;
import dev.weft.Task;
import dev.weft.TaskGroup;
import dev.weft.Timeout;
import dev.weft.Weft;
import dev.weft.grpc.WeftClientInterceptor;
import dev.weft.grpc.WeftServerInterceptor;
import dev.weft.http.TracePropagation;
import dev.weft.http.W3cTrace;
import dev.weft.http.WeftHttpClient;
import dev.weft.http.WeftHttpFilter;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One process of the mesh demo, started by {@link MeshDemo} as its own JVM:
 * <ul>
 * <li>{@code pricing}: HTTP with {@link WeftHttpFilter}; {@code /stock} answers in 15 ms,
 *     {@code /price} is slow on purpose (two workers of 5 s each);
 * <li>{@code stock}: gRPC over Netty with {@link WeftServerInterceptor}; {@code Quote} looks the
 *     item up (20 ms) and asks {@code pricing /price} over HTTP;
 * <li>{@code gateway}: HTTP with {@link WeftHttpFilter}; {@code /order} fans out in a task group:
 *     {@code stock.Quote} over gRPC and {@code pricing /stock} over HTTP.
 * </ul>
 * Each logs its events on standard output ({@link MeshProtocol#line}) and stops cleanly when its
 * standard input closes, reporting whether anything was left running.
 */
public final class MeshNode {
    private final String role;
    private final PrintStream out;
    private final AtomicInteger activeHandlers = new AtomicInteger();
    private final AtomicInteger liveWorkers = new AtomicInteger();
    private final List<AutoCloseable> closers = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private HttpClient http;
    private WeftHttpClient weftHttp;
    private ManagedChannel channel;
    private URI pricing;

    private MeshNode(String role, PrintStream out) {
        this.role = role;
        this.out = out;
    }

    /**
     * Starts one node: {@code pricing}, {@code stock <pricing-http-port>} or
     * {@code gateway <stock-grpc-port> <pricing-http-port>}.
     *
     * @param args the role and the ports of the nodes it calls
     * @throws Exception if the node cannot start
     */
    public static void main(String[] args) throws Exception {
        MeshNode n = new MeshNode(args[0], System.out);
        int port = switch (args[0]) {
            case "pricing" -> n.startPricing();
            case "stock" -> n.startStock(Integer.parseInt(args[1]));
            case "gateway" -> n.startGateway(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("unknown role " + args[0]);
        };
        n.log("ready", "port", port, "pid", ProcessHandle.current().pid());
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (stdin.readLine() != null) {
            // the driver closes our stdin to stop us (or dies, which closes it too)
        }
        System.exit(n.stop() ? 0 : 1);
    }

    private synchronized void log(String event, Object... kv) {
        out.println(MeshProtocol.line(role, event, kv));
        out.flush();
    }

    /** Logs the request's arrival: its budget, deadline and trace, as seen here. */
    private void arrived(String what) {
        Duration left = Timeout.remaining().orElseThrow();
        long micros = left.toNanos() / 1_000;
        var trace = W3cTrace.current();
        log("request", "what", what, "budget_us", micros, "deadline_us", MeshProtocol.nowMicros() + micros,
                "trace", trace.map(t -> t.traceId()).orElse("-"), "span", trace.map(t -> t.spanId()).orElse("-"));
    }

    private ExecutorService executor() {
        ExecutorService e = Executors.newVirtualThreadPerTaskExecutor();
        executors.add(e);
        return e;
    }

    private HttpServer httpServer() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.setExecutor(executor());
        closers.add(() -> s.stop(0));
        return s;
    }

    private void clients(int pricingPort) {
        http = HttpClient.newHttpClient();
        weftHttp = WeftHttpClient.builder(http).propagation(TracePropagation.w3c()).build();
        pricing = URI.create("http://127.0.0.1:" + pricingPort);
        closers.add(http::close);
    }

    private static void reply(HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    /** Runs a handler body, counting it as active and logging how it ended. */
    private <T> T handler(String what, java.util.concurrent.Callable<T> body) throws Exception {
        activeHandlers.incrementAndGet();
        String outcome = "ok";
        try {
            arrived(what);
            return body.call();
        } catch (Exception | Error e) {
            outcome = e.getClass().getSimpleName();
            throw e;
        } finally {
            log("handler-end", "what", what, "outcome", outcome, "trace",
                    W3cTrace.current().map(t -> t.traceId()).orElse("-"));
            activeHandlers.decrementAndGet();
        }
    }

    // ---- pricing: HTTP, slow on purpose ----

    private int startPricing() throws IOException {
        HttpServer s = httpServer();
        WeftHttpFilter filter = WeftHttpFilter.builder().propagation(TracePropagation.w3c()).build();
        s.createContext("/stock", ex -> {
            try {
                reply(ex, handler("stock", () -> {
                    Weft.sleep(Duration.ofMillis(15));
                    return "in stock: 7";
                }));
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }).getFilters().add(filter);
        s.createContext("/price", ex -> {
            boolean warm = String.valueOf(ex.getRequestURI().getQuery()).contains("warm");
            try {
                reply(ex, handler("price", () -> warm ? "price: 42" : slowPrice()));
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }).getFilters().add(filter);
        s.start();
        return s.getAddress().getPort();
    }

    /** Two workers that would take 5 s; the request's deadline cancels them. */
    private String slowPrice() {
        log("work-start", "workers", 2);
        AtomicInteger cancelled = new AtomicInteger();
        try {
            return TaskGroup.run(g -> {
                List<Task<Integer>> ws = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    int id = i;
                    ws.add(g.spawn("price-worker-" + i, () -> {
                        liveWorkers.incrementAndGet();
                        try {
                            Weft.sleep(Duration.ofSeconds(5));
                            return 21;
                        } catch (CancelledException e) {
                            cancelled.incrementAndGet();
                            log("worker-cancelled", "worker", id);
                            throw e;
                        } finally {
                            liveWorkers.decrementAndGet();
                        }
                    }));
                }
                int sum = 0;
                for (Task<Integer> w : ws) {
                    sum += w.join();
                }
                return "price: " + sum;
            });
        } finally {
            log("work-end", "workers_cancelled", cancelled.get(), "workers_live", liveWorkers.get());
        }
    }

    // ---- stock: gRPC, calls pricing over HTTP ----

    private int startStock(int pricingPort) throws IOException {
        clients(pricingPort);
        ServerServiceDefinition service = ServerServiceDefinition.builder("mesh.Stock")
                .addMethod(MeshProtocol.QUOTE, ServerCalls.asyncUnaryCall((String item, io.grpc.stub.StreamObserver<String> o) -> {
                    try {
                        o.onNext(handler("quote", () -> {
                            Weft.sleep(Duration.ofMillis(20)); // the stock lookup
                            String q = item.equals("warm-up") ? "?warm" : "";
                            var r = weftHttp.send(HttpRequest.newBuilder(pricing.resolve("/price" + q)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            return item + ": " + r.body();
                        }));
                        o.onCompleted();
                    } catch (RuntimeException e) {
                        throw e;
                    } catch (Exception e) {
                        o.onError(io.grpc.Status.INTERNAL.withDescription(e.toString()).asException());
                    }
                }))
                .build();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .executor(executor())
                .addService(ServerInterceptors.intercept(service,
                        WeftServerInterceptor.builder().propagate(MeshProtocol.TRACE).build()))
                .build().start();
        closers.add(() -> {
            server.shutdown();
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        });
        return server.getPort();
    }

    // ---- gateway: HTTP in, gRPC and HTTP out ----

    private int startGateway(int stockPort, int pricingPort) throws IOException {
        clients(pricingPort);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", stockPort).usePlaintext()
                .intercept(WeftClientInterceptor.builder().propagate(MeshProtocol.TRACE).build()).build();
        closers.add(() -> {
            channel.shutdownNow();
            channel.awaitTermination(5, TimeUnit.SECONDS);
        });
        HttpServer s = httpServer();
        s.createContext("/order", ex -> {
            boolean warm = String.valueOf(ex.getRequestURI().getQuery()).contains("warm");
            try {
                reply(ex, handler("order", () -> TaskGroup.run(g -> {
                    Task<String> quote = g.spawn("quote", () -> ClientCalls.blockingUnaryCall(channel,
                            MeshProtocol.QUOTE, io.grpc.CallOptions.DEFAULT, warm ? "warm-up" : "teapot"));
                    Task<String> stock = g.spawn("stock", () -> weftHttp.send(
                            HttpRequest.newBuilder(pricing.resolve("/stock")).build(),
                            HttpResponse.BodyHandlers.ofString()).body());
                    return quote.join() + "; " + stock.join();
                })));
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }).getFilters().add(WeftHttpFilter.builder().propagation(TracePropagation.w3c()).build());
        s.start();
        return s.getAddress().getPort();
    }

    /** Stops servers and clients and reports whether anything was left running. */
    private boolean stop() {
        boolean clean = true;
        for (AutoCloseable c : closers.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                clean = false;
                log("stop-error", "error", e);
            }
        }
        for (ExecutorService e : executors) {
            e.shutdown();
            try {
                clean &= e.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                clean = false;
            }
        }
        clean &= activeHandlers.get() == 0 && liveWorkers.get() == 0;
        log("stopped", "active_handlers", activeHandlers.get(), "live_workers", liveWorkers.get(), "clean", clean);
        return clean;
    }
}

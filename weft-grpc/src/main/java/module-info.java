/**
 * weft over gRPC: deadlines, cancellation and chosen context variables cross gRPC calls.
 *
 * <p>{@link dev.weft.grpc.WeftClientInterceptor} sends weft's deadline and cancels the call with
 * the calling scope; {@link dev.weft.grpc.WeftServerInterceptor} runs each call in a weft deadline
 * scope that the client's cancellation cancels. The user brings gRPC ({@code io.grpc:grpc-api}).
 */
module dev.weft.grpc {
    requires transitive dev.weft;
    requires transitive io.grpc;

    exports dev.weft.grpc;
}

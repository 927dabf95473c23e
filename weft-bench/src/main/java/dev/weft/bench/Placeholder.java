package dev.weft.bench; public final class Placeholder { private Placeholder() {} }

// Runs after `mvn package` of this consumer: runs the program on the module path (its jar and
// target/lib, which holds weft-core, the three bridges and the libraries) and checks that weft
// found every bridge by ServiceLoader and that each carried its state into a task.
import java.util.concurrent.TimeUnit

File app = new File(basedir, 'target/module-bridges-consumer-1.0.jar')
File lib = new File(basedir, 'target/lib')
assert app.isFile() && lib.isDirectory()
String path = app.path + File.pathSeparator + lib.path
String java = new File(System.getProperty('java.home'), 'bin/java').path
File log = new File(basedir, 'run.log')
Process p = new ProcessBuilder([java, '--module-path', path, '--module', 'example.bridges/example.bridges.BridgesOnModulePath'])
        .redirectErrorStream(true).redirectOutput(log).start()
if (!p.waitFor(60, TimeUnit.SECONDS)) {
    p.destroyForcibly()
    throw new AssertionError('the program did not end within 60 s: ' + log.text)
}
String out = log.text
println out
assert p.exitValue() == 0 : out
assert out.contains('bridge: dev.weft.slf4j/MdcBridge') : out
assert out.contains('bridge: dev.weft.micrometer/MicrometerBridge') : out
assert out.contains('otel storage: dev.weft.opentelemetry.') || out.contains('bridge: dev.weft.opentelemetry/OpenTelemetryBridge') : out
assert out.contains('mdc adapter: ch.qos.logback.') : out
assert out.contains('child saw: mdc=r-1 otel=r-1 micrometer=acme') : out
assert out.contains('parent after: mdc=r-1') : out
assert out.contains('otel after: null') : out

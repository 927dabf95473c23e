// Runs after `mvn package` of this consumer: checks that its quick start is README.md's, then runs
// the packaged program against the installed weft-core and checks what it prints.
import java.util.concurrent.TimeUnit

def normalize = { String s -> s.readLines()*.strip().findAll { it } .join('\n') }
String readmeText = new File(readme).text
int open = readmeText.indexOf('```java') + 7
String readmeSnippet = readmeText.substring(open, readmeText.indexOf('```', open))
String source = new File(basedir, 'src/main/java/example/QuickStart.java').text
String copied = source.substring(source.indexOf('// --- README snippet begins ---') + 32,
        source.indexOf('// --- README snippet ends ---'))
assert normalize(copied) == normalize(readmeSnippet) : 'the quick start in src/main/java/example/QuickStart.java differs from README.md\'s'

File app = new File(basedir, 'target/classpath-consumer-1.0.jar')
File weft = new File(localRepositoryPath, "dev/weft/weft-core/${weftVersion}/weft-core-${weftVersion}.jar")
assert app.isFile() && weft.isFile()
String path = app.path + File.pathSeparator + weft.path
String java = new File(System.getProperty('java.home'), 'bin/java').path
File log = new File(basedir, 'run.log')
Process p = new ProcessBuilder([java] + ['-cp', path, 'example.QuickStart']).redirectErrorStream(true).redirectOutput(log).start()
if (!p.waitFor(60, TimeUnit.SECONDS)) {
    p.destroyForcibly()
    throw new AssertionError('the quick start did not end within 60 s: ' + log.text)
}
String out = log.text
println out
assert p.exitValue() == 0 : out
assert out.contains('handle: user@r-1+cart@r-1') : out
assert out.contains('after: -') : out
assert out.contains('weft module: null') : out
assert out.contains('own module: null') : out

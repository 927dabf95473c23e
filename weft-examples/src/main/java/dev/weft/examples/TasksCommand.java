package dev.weft.examples;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Deque;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * {@code ./run tasks [--json] PID}: prints the task tree of another running JVM that uses weft,
 * without changing its code, as asyncio's {@code python -m asyncio pstree PID} does for Python.
 *
 * <p>How: the JDK's attach mechanism ({@link VirtualMachine#attach}) asks the target to start its
 * local management agent (a no-op when it runs already) and returns the agent's address; a JMX
 * connection to it then calls an operation of weft's {@code dev.weft:type=TaskTree} platform
 * MBean, which weft registers the first time the target opens a task group. Attaching works
 * between processes of the same user on the same machine; the JVM must not have been started
 * with {@code -XX:+DisableAttachMechanism}.
 */
final class TasksCommand {
    static final String MBEAN = "dev.weft:type=TaskTree";

    private TasksCommand() {
    }

    /**
     * Runs the command.
     *
     * @param args {@code [--json] PID}
     * @param out where the tree goes
     * @param err where problems go
     * @return 0 when the tree was printed, 1 when the process could not be asked
     */
    static int run(Deque<String> args, PrintStream out, PrintStream err) {
        boolean json = false;
        String pid = null;
        while (!args.isEmpty()) {
            String a = args.pop();
            if (a.equals("--json")) {
                json = true;
            } else if (pid == null && a.matches("\\d{1,10}")) {
                pid = a;
            } else {
                throw new IllegalArgumentException("tasks takes [--json] and one process id, got '" + a + "'");
            }
        }
        if (pid == null) {
            throw new IllegalArgumentException("tasks needs the process id of a running JVM (jps lists them)");
        }
        try {
            String tree = ask(pid, json ? "taskTreeJson" : "taskTreeText");
            if (tree == null) {
                err.println("tasks: process " + pid + " has no weft task tree: it has not opened a task group yet,"
                        + " or it runs with -Ddev.weft.mbean=false");
                return 1;
            }
            out.print(tree.endsWith("\n") ? tree : tree + "\n");
            return 0;
        } catch (AttachNotSupportedException | IOException e) {
            err.println("tasks: cannot attach to process " + pid + " (is it a JVM of this user, still running?): "
                    + e.getMessage());
            return 1;
        } catch (JMException e) {
            err.println("tasks: process " + pid + " refused the question: " + e);
            return 1;
        }
    }

    /** Attaches to {@code pid}, connects to its management agent and invokes {@code operation}; null if no MBean. */
    static String ask(String pid, String operation) throws AttachNotSupportedException, IOException, JMException {
        String address;
        VirtualMachine vm = VirtualMachine.attach(pid);
        try {
            address = vm.startLocalManagementAgent();
        } finally {
            vm.detach();
        }
        try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
            MBeanServerConnection server = c.getMBeanServerConnection();
            ObjectName name = new ObjectName(MBEAN);
            if (!server.isRegistered(name)) {
                return null;
            }
            return (String) server.invoke(name, operation, new Object[0], new String[0]);
        }
    }
}

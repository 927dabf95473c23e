package dev.weft;

import static dev.weft.TestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The {@code dev.weft:type=TaskTree} platform MBean appears once a group opens and returns the tree as text and JSON. */
class TaskTreeMBeanTest {
    /** Its two operations return the current tree, which shows an open group. */
    @Test
    void mbeanReturnsTheTreeAsTextAndJson() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("dev.weft:type=TaskTree");
        CountDownLatch in = new CountDownLatch(1);
        CountDownLatch out = new CountDownLatch(1);
        Background owner = Background.start(TestSupport.ThreadKind.PLATFORM, "mbean-owner", () -> TaskGroup.run("mbean-group", g -> {
            g.spawn("mbean-task", () -> {
                in.countDown();
                out.await();
                return null;
            });
            return null;
        }));
        try {
            await(in, "the task to start");
            awaitCondition(() -> server.isRegistered(name), "the MBean to be registered");
            assertEquals(2, server.getMBeanInfo(name).getOperations().length);
            String text = (String) server.invoke(name, "taskTreeText", new Object[0], new String[0]);
            assertTrue(text.contains("group 'mbean-group'") && text.contains("task 'mbean-task' RUNNING"), text);
            String json = (String) server.invoke(name, "taskTreeJson", new Object[0], new String[0]);
            StrictJson.parse(json);
            assertTrue(json.contains("\"name\":\"mbean-task\""), json);
            assertThrows(javax.management.ReflectionException.class,
                    () -> server.invoke(name, "nothing", new Object[0], new String[0]));
        } finally {
            out.countDown();
            owner.join();
        }
    }
}

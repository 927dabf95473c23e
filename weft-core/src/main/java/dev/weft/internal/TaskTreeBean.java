package dev.weft.internal;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * The {@code dev.weft:type=TaskTree} platform MBean: two operations without arguments,
 * {@code taskTreeText} and {@code taskTreeJson}, return a fresh snapshot of the task tree as
 * indented text and as JSON. A {@link DynamicMBean}, so that the MBean server never reflects on a
 * class of this non-exported package. Stateless apart from the two suppliers; thread-safe.
 */
public final class TaskTreeBean implements DynamicMBean {
    /** The MBean's name. */
    public static final String NAME = "dev.weft:type=TaskTree";
    /** The operation returning the text tree. */
    public static final String TEXT = "taskTreeText";
    /** The operation returning the JSON tree. */
    public static final String JSON = "taskTreeJson";

    private final Supplier<String> text;
    private final Supplier<String> json;

    private TaskTreeBean(Supplier<String> text, Supplier<String> json) {
        this.text = text;
        this.json = json;
    }

    /**
     * Registers the MBean in the platform MBean server, unless one is already registered (two
     * copies of weft in one JVM: the first wins).
     *
     * @param text supplies the text form
     * @param json supplies the JSON form
     * @throws Exception if the MBean server refuses it
     */
    public static void register(Supplier<String> text, Supplier<String> json) throws Exception {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new TaskTreeBean(text, json), new ObjectName(NAME));
        } catch (InstanceAlreadyExistsException e) {
            // already there
        }
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("the TaskTree MBean has operations only: " + TEXT + ", " + JSON);
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("the TaskTree MBean has no attributes");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        return new AttributeList();
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
        return switch (actionName) {
            case TEXT -> text.get();
            case JSON -> json.get();
            default -> throw new ReflectionException(new NoSuchMethodException(actionName),
                    "the TaskTree MBean has the operations " + TEXT + " and " + JSON);
        };
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanParameterInfo[] none = new MBeanParameterInfo[0];
        return new MBeanInfo(TaskTreeBean.class.getName(),
                "weft's running task groups, tasks, scopes and generator steps",
                null, null,
                new MBeanOperationInfo[] {
                    new MBeanOperationInfo(TEXT, "the task tree as indented text", none, String.class.getName(),
                            MBeanOperationInfo.INFO),
                    new MBeanOperationInfo(JSON, "the task tree as JSON", none, String.class.getName(),
                            MBeanOperationInfo.INFO)
                }, null);
    }
}

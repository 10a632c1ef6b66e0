// The acid test of issue 4: threads, an executor, and a NullPointerException (the JVM takes
// its implicit null check as a SIGSEGV in a handler and resumes elsewhere).
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
public class Hello {
    public static void main(String[] a) throws Exception {
        AtomicLong sum = new AtomicLong();
        Thread[] t = new Thread[4];
        for (int i = 0; i < 4; i++) {
            final int id = i;
            t[i] = new Thread(() -> { for (int k = 0; k < 100000; k++) sum.addAndGet(id); });
            t[i].start();
        }
        for (Thread x : t) x.join();
        ExecutorService ex = Executors.newFixedThreadPool(3);
        Future<Integer> f = ex.submit(() -> 6 * 7);
        System.out.println("hello from java, sum=" + sum.get() + " future=" + f.get());
        ex.shutdown();
        String s = null;
        try { s.length(); } catch (NullPointerException e) { System.out.println("caught NPE"); }
    }
}

package io.vtdsim.harness.testbed;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Configures the {@link TestBed} that {@link VtdsimExtension} injects (on the test method, else on
 * the class). Defaults are those of a scenario file; strings use the scenario vocabulary.
 *
 * <pre>{@code
 * @ExtendWith(VtdsimExtension.class)
 * class MyTest {
 *   @Test
 *   @Machine(shadowSync = "psi-only", driver = "linux-5.10", assigned = "nic=00:03.0")
 *   void unmapIsShadowed(TestBed bed) { ... }
 * }
 * }</pre>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Machine {
  String preset() default "qemu-7.2";

  /** {@code model} or {@code qemu}: real QEMU (machine.backend). */
  String backend() default "model";

  /** {@code strict} or {@code qemu} (machine.fidelity). */
  String fidelity() default "strict";

  int awBits() default 48;

  /** Guest RAM in MiB. */
  long ramMiB() default 1024;

  /** CAP.MAMV override; -1 keeps the preset's. */
  int mamv() default -1;

  /** CAP.PSI: "true", "false", or "" for the preset's. */
  String psi() default "";

  /** CAP.CM: "true", "false", or "" for the preset's. */
  String cachingMode() default "";

  /** machine.scalable-mode (QEMU's scalable-mode): "true", "false", or "" for the preset's. */
  String scalableMode() default "";

  /** machine.flts (QEMU's fsts, first-stage translation; needs scalable mode): "true", "false", or "" for the preset's. */
  String flts() default "";

  /** Superpage sizes ("2M", "1G"); {"preset"} keeps the preset's. */
  String[] superpages() default {"preset"};

  String shadowSync() default "iova-tree";

  String host() default "vfio-type1";

  String driver() default "linux-6.12";

  String flush() default "linux";

  String dmaMode() default "strict";

  /** Assigned devices as "id=bb:dd.f". */
  String[] assigned() default {"nic=00:03.0"};

  /** Emulated devices as "id=bb:dd.f". */
  String[] emulated() default {};
}

// Package lenient decodes JSON numbers and booleans the way appliances actually send them.
//
// Appliances are not consistent about JSON types: Netdata 1.37 sends "cores_total":"2" and
// "silenced":"false" where 2.x sends 2 and false; XO/XAPI sends host CPU counts as strings
// ("cpu_count":"16") and memory sizes as numbers; FortiOS monitor counters come either way;
// FortiClient EMS sends flags as 0/1 and ids as strings; TrueNAS mixes "12" and 12 across
// versions. Every client decodes such fields with the three types here, so the rules are
// written (and tested, and fuzzed) once:
//
//   - [Int] (int64), [Float] (float64 with a Valid flag) and [Bool] each accept a JSON
//     number, a string holding a number (surrounding spaces ignored, as strconv parses it:
//     "7", "7.0", "-1", "1e3"), true/false (1/0), null and "".
//   - A number with a fraction decodes into [Int] truncated toward zero (7.9 → 7).
//   - [Bool] is true for true, "true", "yes", "on" (any case) and any non-zero number or
//     numeric string; everything else accepted is false.
//   - Junk: a string that holds no usable number ("unknown", "N/A", "NaN", "1e999") decodes
//     as the zero value without an error ([Float] not Valid, [Bool] false), as Netdata needs
//     for "unknown" values. So do numbers outside int64's range for [Int].
//   - Objects, arrays and malformed JSON are an error: that is a schema mismatch, not a
//     type wobble, and it should surface.
//
// Encoding is strict: [Int] and [Bool] encode as a plain JSON number and bool (their
// underlying kinds), [Float] as a number, or null when not Valid.
package lenient

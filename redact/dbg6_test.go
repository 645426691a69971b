package redact

import "testing"

func BenchmarkBreakRound(b *testing.B) {
	secrets := secretMixes[0].gen(200)
	m, _ := Compile(secrets, Options{})
	data := ciLog(1<<20, secrets)
	s := m.a.skip
	def := s.m - 2
	var js []int
	for j := 64; j+3*def < len(data) && len(js) < 4096; j += 97 {
		v0, v1, v2, v3 := blockWord(data, j), blockWord(data, j+def), blockWord(data, j+2*def), blockWord(data, j+3*def)
		if lowByte64(uint64(v0)|uint64(v1)<<32)|lowByte64(uint64(v2)|uint64(v3)<<32) != 0 {
			js = append(js, j)
		}
	}
	nb, nz := 0, 0
	for _, j := range js {
		for k := 0; k < 4; k++ {
			v := blockWord(data, j+k*def)
			if lowByte(v) != 0 {
				nb++
				if beforeBreak(s.shift, data, j+k*def, v) == 0 {
					nz++
				}
			}
		}
	}
	b.Logf("flagged blocks %d, beforeBreak 0: %d", nb, nz)
	b.ResetTimer()
	sum := 0
	for it := 0; it < b.N; it++ {
		j, _ := s.breakRound(data, js[it%len(js)])
		sum += j
	}
	_ = sum
}

package cmd

import (
	"github.com/secretrun/secretrun/config"
	"github.com/secretrun/secretrun/redact"
)

// redactOptions turns the configuration's redact section into the redactor's options.
func redactOptions(rc config.Redact) redact.Options {
	opt := redact.Options{MinLength: rc.MinLength, Token: rc.Token, NameTokens: rc.NameTokens}
	for _, e := range rc.Encodings {
		switch e {
		case config.EncodingHex:
			opt.Hex = true
		case config.EncodingBase32:
			opt.Base32 = true
		case config.EncodingUTF16:
			opt.UTF16 = true
		}
	}
	return opt
}

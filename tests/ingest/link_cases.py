"""Links as members and notes write them: those kept (and how they are stored), those refused (and why)."""

# (written, stored): mended or kept as written, in the form stored
KEPT = [
    # plain links, kept exactly
    ("https://arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("http://example.com", "http://example.com"),
    ("https://example.com/", "https://example.com/"),
    ("https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf",
     "https://proceedings.neurips.cc/paper/2017/file/3f5ee243547dee91fbd053c1c4a845aa-Paper.pdf"),
    ("https://doi.org/10.1016/0370-2693(94)00512-R", "https://doi.org/10.1016/0370-2693(94)00512-R"),
    ("https://openreview.net/forum?id=rJl-b3RcF7", "https://openreview.net/forum?id=rJl-b3RcF7"),
    ("https://arxiv.org/abs/1706.03762v5#section-3", "https://arxiv.org/abs/1706.03762v5#section-3"),
    ("https://example.com/a?q=1&r=two%20words#frag", "https://example.com/a?q=1&r=two%20words#frag"),
    ("https://example.com/%C3%A4%2F", "https://example.com/%C3%A4%2F"),  # escapes kept as written
    ("https://a_b.example.com/", "https://a_b.example.com/"),
    ("https://localhost/x", "https://localhost/x"),
    ("http://example.com./a", "http://example.com./a"),
    # ports
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("http://example.com:65535/", "http://example.com:65535/"),
    ("https://example.com:/x", "https://example.com/x"),  # an empty port says nothing
    # IP addresses
    ("https://192.0.2.1/paper.pdf", "https://192.0.2.1/paper.pdf"),
    ("https://[2001:db8::1]:8443/a?b=c#d", "https://[2001:db8::1]:8443/a?b=c#d"),
    ("http://[::1]/", "http://[::1]/"),
    # case: scheme and host are case-insensitive, the rest is not
    ("HTTPS://ArXiv.ORG/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("Http://Example.com/CaseKept", "http://example.com/CaseKept"),
    # a bare arXiv or DOI address gets https
    ("arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
    ("ArXiv.org/pdf/1706.03762v2", "https://arxiv.org/pdf/1706.03762v2"),
    ("www.arxiv.org/abs/1706.03762", "https://www.arxiv.org/abs/1706.03762"),
    ("doi.org/10.1000/182", "https://doi.org/10.1000/182"),
    ("dx.doi.org/10.1145/3065386", "https://dx.doi.org/10.1145/3065386"),
    ("DOI.ORG/10.1000/182", "https://doi.org/10.1000/182"),
    ("arxiv.org/abs/1706.03762.", "https://arxiv.org/abs/1706.03762"),
    # what surrounds a link in a sentence is trimmed
    ("  https://arxiv.org/abs/1706.03762\n", "https://arxiv.org/abs/1706.03762"),
    ("<https://arxiv.org/abs/1706.03762>", "https://arxiv.org/abs/1706.03762"),
    ("< https://arxiv.org/abs/1706.03762 >", "https://arxiv.org/abs/1706.03762"),
    ("<arxiv.org/abs/1706.03762>", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762.", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762,", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762);", "https://arxiv.org/abs/1706.03762"),
    ("https://arxiv.org/abs/1706.03762).", "https://arxiv.org/abs/1706.03762"),
    ("https://example.com/a?", "https://example.com/a"),
    ("<https://arxiv.org/abs/1706.03762>.", "https://arxiv.org/abs/1706.03762"),
    ("(https://arxiv.org/abs/1706.03762).", "https://arxiv.org/abs/1706.03762"),
    ("(https://en.wikipedia.org/wiki/Transformer_(deep_learning))",
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://en.wikipedia.org/wiki/Transformer_(deep_learning)",  # a balanced ")" is part of the link
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://en.wikipedia.org/wiki/Transformer_(deep_learning)).",
     "https://en.wikipedia.org/wiki/Transformer_(deep_learning)"),
    ("https://example.com/a)b)", "https://example.com/a)b"),
    # internationalised hosts are written in IDNA (a look-alike host shows as xn--)
    ("https://münchen.de/", "https://xn--mnchen-3ya.de/"),
    ("https://MÜNCHEN.de/a", "https://xn--mnchen-3ya.de/a"),
    ("https://xn--mnchen-3ya.de/", "https://xn--mnchen-3ya.de/"),
    ("https://аpple.com/login", "https://xn--pple-43d.com/login"),  # Cyrillic а
    # other non-ASCII characters and characters a URI may not hold are percent-encoded
    ("https://example.com/Schrödinger", "https://example.com/Schr%C3%B6dinger"),
    ("https://example.com/ä?q=ü#ß", "https://example.com/%C3%A4?q=%C3%BC#%C3%9F"),
    ("https://example.com/论文", "https://example.com/%E8%AE%BA%E6%96%87"),
    ('https://example.com/a"b{c}|d^e`f', "https://example.com/a%22b%7Bc%7D%7Cd%5Ee%60f"),
    ("https://example.com/\u202egnp.exe", "https://example.com/%E2%80%AEgnp.exe"),  # a bidi override, inert
]

# (written, reason): refused, with the reason shown to whoever wrote it
REFUSED = [
    ("javascript:alert(1)",
     "'javascript:alert(1)' uses javascript:, and a link must start with http:// or https://"),
    ("JavaScript:alert(document.cookie)",
     "'JavaScript:alert(document.cookie)' uses javascript:, and a link must start with http:// or https://"),
    ("<javascript:alert(1)>", "'javascript:alert(1)' uses javascript:, and a link must start with http:// or https://"),
    ("data:text/html,<script>alert(1)</script>",
     "'data:text/html,<script>alert(1)</script>' uses data:, and a link must start with http:// or https://"),
    ("file:///etc/passwd", "'file:///etc/passwd' uses file:, and a link must start with http:// or https://"),
    ("ftp://ftp.example.com/paper.ps",
     "'ftp://ftp.example.com/paper.ps' uses ftp:, and a link must start with http:// or https://"),
    ("mailto:author@example.com",
     "'mailto:author@example.com' uses mailto:, and a link must start with http:// or https://"),
    ("www.example.com/x y", "'www.example.com/x y' holds a space: a link is one address"),
    ("www.example.com/x", "'www.example.com/x' does not start with http:// or https:// (only arxiv.org and "
                          "doi.org links are completed)"),
    ("example.com", "'example.com' does not start with http:// or https:// (only arxiv.org and doi.org links "
                    "are completed)"),
    ("example.com:8080/x", "'example.com:8080/x' does not start with http:// or https:// (only arxiv.org and "
                           "doi.org links are completed)"),
    ("arxiv.org.evil.example/abs/1", "'arxiv.org.evil.example/abs/1' does not start with http:// or https:// "
                                     "(only arxiv.org and doi.org links are completed)"),
    ("//example.com/a", "'//example.com/a' does not start with http:// or https:// (only arxiv.org and doi.org "
                        "links are completed)"),
    ("((https://example.com/a))", "'(https://example.com/a)' does not start with http:// or https:// (only "
                                  "arxiv.org and doi.org links are completed)"),  # one pair is taken off
    ("1706.03762", "'1706.03762' does not start with http:// or https:// (only arxiv.org and doi.org links are "
                   "completed)"),
    ("http://", "'http://' names no host"),
    ("https:///a", "'https:///a' names no host"),
    ("http:example.com", "'http:example.com' names no host"),
    ("https://exa mple.com/", "'https://exa mple.com/' holds a space: a link is one address"),
    ("https://arxiv.org/abs/1706.03762 (v2)", "'https://arxiv.org/abs/1706.03762 (v2)' holds a space: a link is "
                                              "one address"),
    ("https://example.com/a\tb", "'https://example.com/a\\tb' holds a space: a link is one address"),
    ("https://example.com/a\u00a0b", "'https://example.com/a\\xa0b' holds a space: a link is one address"),
    ("https://example.com/\x1b[31mred", "'https://example.com/\\x1b[31mred' holds a control character"),
    ("https://example.com/\x00", "'https://example.com/\\x00' holds a control character"),
    ("https://example.com:99999/", "'https://example.com:99999/' has an invalid port"),
    ("https://example.com:80:80/", "'https://example.com:80:80/' has no valid host name"),
    ("https://999.1.1.1/", "'https://999.1.1.1/' has no valid host name"),
    ("https://[::1/", "'https://[::1/' has no valid host name"),
    ("https://[fe80::1%25eth0]/", "'https://[fe80::1%25eth0]/' has no valid host name"),
    ("https://-example.com/", "'https://-example.com/' has no valid host name"),
    ("https://exa!mple.com/", "'https://exa!mple.com/' has no valid host name"),
    ("https://exa%6dple.com/", "'https://exa%6dple.com/' has no valid host name"),
    ("https://a..b/", "'https://a..b/' has no valid host name"),
    ("https://user:pass@example.com/", "'https://user:pass@example.com/' has a name before its host (name@host), "
                                       "which hides where it leads"),
    ("https://arxiv.org@evil.example/abs/1", "'https://arxiv.org@evil.example/abs/1' has a name before its host "
                                             "(name@host), which hides where it leads"),
    ("https://arxiv.org%2F@evil.example/", "'https://arxiv.org%2F@evil.example/' has a name before its host "
                                           "(name@host), which hides where it leads"),
    ("https://arxiv.org\\@evil.example/", "'https://arxiv.org\\\\@evil.example/' holds a backslash"),
    ("https://example.com/a\\b", "'https://example.com/a\\\\b' holds a backslash"),
    ("https://example.com/100%", "'https://example.com/100%' has a % not followed by two hexadecimal digits"),
    ("https://example.com/%zz", "'https://example.com/%zz' has a % not followed by two hexadecimal digits"),
    ("https://example.com/a#b#c", "'https://example.com/a#b#c' has a malformed fragment (RFC 3986)"),
    ("https://example.com/" + "a" * 3000, "'https://example.com/aaaaaaaaaaaaaaaaaaa…' is 3,020 characters long, "
                                          "over the 2,048 a link may have"),
    ("https://example.com/" + "ä" * 1000, "'https://example.com/äääääääääääääääääää…' is 6,020 characters long "
                                          "once encoded, over the 2,048 a link may have"),
]

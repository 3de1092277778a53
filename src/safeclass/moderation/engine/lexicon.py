# ruff: noqa: E501
"""Phrase lexicons per category, expanded and compiled into Aho-Corasick automata.

Patterns use a small notation so that one line covers the many ways children
write the same thing:

- ``(a|b|c)`` picks one alternative; an empty alternative makes the group
  optional: ``(rồi|)``.
- ``~`` in front of a pattern marks a word whose *unaccented* spelling is also
  an ordinary word (``cặc``/``các``, ``lồn``/``lớn``, ``đéo``/``đeo``). Its
  accented spelling always counts; its unaccented spelling counts only when
  the writer disguised it (``l0n``, ``c.a.c``, ``caaac``), never when someone
  simply typed without accents.
- Every pattern also matches its Vietnamese teencode spellings (``không`` →
  ``k``, ``ko``, ``hok``…; ``em`` → ``e``) and, where it has accents, its
  unaccented spelling when the writer typed that span without accents.

A category name with a dot (``scam.pay``) is a *signal*, not a finding: the
rules in :mod:`.detect` combine signals into findings.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick

from safeclass.moderation.engine.normalize import strip_accents

PROFANITY = [
    "~cặc", "~lồn", "~buồi", "~đéo", "~đĩ", "~đụ", "~cứt", "~đếch", "~éo", "~dái", "~vđ",
    "địt", "đjt", "djt", "dit", "~đụ (má|mẹ|me)", "đụ mày", "~du (ma|me|may)", "(đụ|du) (má|mẹ|ma|me) (mày|may|m|nó|no)", "đù (má|mẹ)",
    "địt (mẹ|me|mịa|bố|cụ|con mẹ)", "dit (me|moe|bo|cu)", "đéo (biết|hiểu|cần|phải|thèm|có)",
    "deo (biet|hieu|can|phai|them)", "đếch (biết|cần|hiểu)", "vãi (lồn|l|lờ|cứt|đái|cả lồn|chưởng|lìn)",
    "dm", "đm", "dmm", "đmm", "dcm", "đcm", "dkm", "đkm", "đmcs", "dmcs", "cmm", "cmn", "cmnr", "dmm may",
    "clm", "cl", "cc", "vcl", "vkl", "vl", "vcc", "vclm", "vờ lờ", "vê lờ", "đờ mờ", "đê mờ",
    "đậu má", "đệch", "con mẹ (mày|m|nó|mi)", "mẹ (mày|m) (chứ|à|ơi)", "mả mẹ", "bố (mày|m) (đây|nói)",
    "~cái (lồn|đéo|cặc|buồi)", "cái l", "(đồ|thằng|con) (chó đẻ|chó má|mất nết)", "chó (đẻ|má)",
    "lìn", "lol (mày|m|à)", "đái vào mặt",
    # English
    "fuck", "fucking", "fucker", "fucked", "fucks", "motherfucker", "mofo", "fck", "fcking", "fuk",
    "fuking", "fuq", "fvck", "phuck", "fk off", "f off", "wtf", "stfu", "gtfo", "omfg", "shit",
    "shits", "shitty", "bullshit", "sh1t", "bitch", "bitches", "bastard", "asshole", "ass",
    "arse", "dumbass", "jackass", "dick", "dickhead", "cunt", "piss off", "pissed off", "damn",
    "goddamn", "dammit", "crap", "son of a bitch", "prick", "twat", "wanker", "bollocks", "bloody hell",
    "screw you", "hell no", "what the hell", "go to hell",
    "mẹ kiếp", "mả cha", "bố láo", "chó chết", "thằng chó", "đồ chó", "con đĩ", "đĩ mẹ", "loz", "lozz", "vloz", "vlozz",
    "vãi (loz|lol|nồi|cả l)", "ditme", "ditmemay", "dmmay", "đjtme", "djtme", "dume", "dumemay", "đụ má mày", "đéo mẹ",
    "motherfucking", "motherfuckers", "fuckin", "fuckers", "fucktard", "shithead", "dipshit", "bullcrap", "a-hole",
]  # fmt: skip

HARASSMENT = [
    "(mày|m|mi|bạn|cậu|thằng|con|đồ|bọn|tụi|lũ|chúng mày) (ngu|đần|khùng|điên|ngốc|óc chó|dốt|hâm|thiểu năng|ngu si|ngáo)",
    "(mày|m|mi|bạn|cậu|nó) (ngu|đần|dốt|xấu|béo|mập|hôi|bẩn|lùn|đen|ghê tởm|kinh tởm) (quá|thế|vậy|vl|vcl|như)",
    "đồ (ngu|đần|điên|khùng|ngốc|mập|béo|xấu|rác rưởi|rác|vô dụng|óc chó|con hoang|nghèo|bẩn|hôi|ăn bám|thần kinh|vô học|mất dạy|hèn|lợn|heo|bò|khỉ|quê mùa|nhà quê|thiểu năng|dở hơi|ăn hại|bỏ đi)",
    "thằng (béo|mập|lùn|ngu|đần|điên|khùng|hôi|nghèo|bẩn|xấu|hèn|mọi|ăn hại|thiểu năng|bê đê|đồng bóng|pê đê)",
    "con (béo|mập|lùn|ngu|đần|điên|khùng|hôi|nghèo|bẩn|xấu|hâm|ăn hại|thiểu năng) (kia|này|đó|ấy|kìa|ơi|lắm|thế|vậy|vl)",
    "con (lợn|heo|bò) (này|kia|ngu|béo|mập)",
    "óc (chó|bã đậu|trâu|ngu|lợn)", "ngu (như|hơn) (bò|chó|lợn|heo|lừa)", "não (cá vàng|phẳng|tôm|lợn)",
    "không ai (chơi|thèm chơi|thích|ưa|muốn chơi|quý) (với |)(mày|cậu|bạn|nó)",
    "(cả lớp|mọi người|ai cũng) (ghét|ghê tởm|khinh) (mày|m|cậu|bạn|nó)",
    "(cút|biến) (đi|khỏi đây|khỏi lớp|ra|xéo|đi cho khuất mắt)", "câm (mồm|miệng|mõm|họng) (đi|lại|vào|)",
    "im (mồm|mõm|họng) (đi|lại|)", "xấu như (ma|quỷ|chó|khỉ|ma chê quỷ hờn)", "béo như (lợn|heo|bò|con lợn)",
    "mặt (lợn|heo|chó|khỉ|như đít)", "(nhà|bố mẹ|bố|mẹ|ba|má) (mày|m|nó|cậu) (nghèo|ngu|đần|ăn mày|tù|nát rượu|bỏ)",
    "tẩy chay (nó|mày|m|thằng|con|bạn)", "đừng (chơi|nói chuyện) với (nó|thằng|con|đứa)",
    "(mày|m) (bị|là) (điên|thần kinh|khùng|ngu|đồ bỏ đi|đồ ngu|đồ rác)", "thần kinh à", "vô học",
    "mất dạy", "đồ mất nết", "loser", "idiot", "idiots", "moron", "retard", "retarded", "dumbass",
    "(you|u|ur|you're|youre|you are|ur so|you r) (so |such a |an |a |really |)(stupid|idiot|dumb|ugly|fat|loser|retard|moron|freak|worthless|useless|pathetic|disgusting|gross|weird|trash|garbage|pig|noob)",
    "(nobody|no one|noone|nobody here|everyone) (likes|like|wants|hates|want) (you|u)",
    "everybody hates (you|u)", "shut up", "shut your (mouth|face)", "go away (loser|freak|idiot|nobody)",
    "kill yourself", "kys", "go die", "fatso", "fat pig", "ugly (pig|freak|face|loser)", "you suck",
    "u suck", "go back to your country", "what a loser", "(nobody|no one) wants to be your friend",
    "(your|ur|you're|you are) (mom|mum|dad|family) (is |are |)(poor|fat|ugly|stupid|trash)",
    "(we|everyone) (should|will) ignore (him|her|them|you)", "(don't|dont) play with (him|her|them)",
    "mặt (mày|m|nó|cậu) (to|xấu|bự|dày|như|trông như)", "(mặt|đầu|người|mồm|miệng) (to|bự|tròn|dài|phẳng|thô) như (cái mâm|cái thớt|mâm|thớt|cái nồi|cái thùng|con lợn|con heo)",
    "(răng|mũi|mặt|chân|đầu|mồm|miệng|người|da) (hô|vẩu|tẹt|lệch|hôi|đen|xấu|sún) (như|thế|vậy|quá|vl|vãi|kinh)", "răng hô như",
    "(đen|xấu|béo|mập|lùn|gầy|ốm|hôi|bẩn) như (cột nhà cháy|than|cột nhà|củ súng|chó mực|khỉ|que củi|cái que|bộ xương|chuột|cú)",
    "(kính|đeo kính) (dày|cận) như đít chai", "như đít chai", "nhìn (phát |)(tởm|ghê|kinh|muốn ói|buồn nôn|muốn nôn)", "nhìn mà (tởm|ói|nôn)",
    "(thằng|con|đứa|bọn|lũ) (4 mắt|bốn mắt|răng hô|mặt mụn|lùn|béo|mập|còi|hô|vẩu|sún|chột|què|câm|điếc|mồ côi|nhà quê|quê mùa|dân tộc|mọi|bóng|bóng lộ|bê đê|pê đê|ẻo lả|đồng bóng|ăn mày|nhà nghèo|đen|xấu xí|hôi)",
    "ẻo lả (vãi|vl|thế|quá)", "bóng lộ", "đồ thừa", "(mày|m|nó|cậu) là đồ (thừa|bỏ đi|vô dụng|rác|ăn hại|ngu|đần|thất bại)",
    "(mày|m|nó|cậu) (học |)(dốt|ngu|kém|đần) nhất (lớp|trường|nhóm)", "dốt như (bò|lợn|chó|heo)", "(ngu|đần|dốt) (như|hơn) (bò|chó|lợn|heo|lừa|trâu)",
    "~ngu (thế|vậy|vl|vcl|vãi|bỏ mẹ|thế mà|như|si|lâu|lắm|quá)", "ngu (thế|vậy) mà (cũng|còn) (đòi|bày đặt|dám)",
    "(ba|bố|mẹ|má|nhà|cha) (mày|m|nó|cậu) (đi |)(lượm ve chai|nhặt rác|ăn xin|ăn mày|đi tù|ở tù|nghiện|bán vé số|nát rượu|bỏ đi|bị điên)",
    "con nhà nghèo", "(nhà|gia đình) (mày|m|nó|cậu) (nghèo|nghèo rớt|rách|bẩn)", "nghèo rớt mồng tơi", "mồ côi (thì|mà|nên) (im|câm|biết gì)",
    "đồ (mồ côi|con hoang|không cha|không mẹ|dân tộc|mọi rợ|nhà quê)", "không (cha|bố) (không|k|ko) (mẹ|má)", "về rừng (mà|đi|đi mà)", "đồ mọi", "mọi rợ",
    "(đừng|không|ko|k|đéo) ai (nói chuyện|chơi|ngồi|làm bạn|nhắn tin|trả lời|chơi chung) (với |cùng |)(nó|con|thằng|mày|m|đứa|bạn)",
    "(cả lớp|mọi người|ae|anh em|tụi mình|bọn mình) (tẩy chay|cô lập|bơ|bỏ rơi|không chơi với) (nó|con|thằng|mày|đứa|bạn)",
    "(kick|đá|đuổi|sút|tống) (nó|con|thằng|mày|m|đứa|bạn) (ra|khỏi|ra khỏi)", "vote kick", "ai cho (nó|con|thằng|đứa|mày) vào (nhóm|lớp|group)",
    "(chụp|quay|cap) (màn hình|ảnh|clip|hình) (mặt |)(nó|con|thằng|mày|đứa) (lại |rồi |)(đăng|up|post|gửi|share) (lên|vào)",
    "(đăng|up|post|share) (lên|vào) (group|nhóm|mạng|facebook|fb|tiktok|page|trang) (trường |lớp |)cho (cả trường|cả lớp|mọi người|thiên hạ) (cười|xem|biết|chửi)",
    "ai hỏi (mày|m|cậu|mi)", "(im|câm) đi (ai hỏi|con|thằng|mày)", "nhìn (cái |)mặt (là biết|đã thấy) (ngu|nghèo|đần|ghét)",
    "crybaby", "cry baby", "go cry to your (mom|mommy|mama|mum|mummy)", "(you're|youre|you are|ur|your family is|your family are|you guys are) so poor",
    "(he's|she's|he is|she is|hes|shes|they're|theyre) (so |such a |a |an |totally |)(useless|worthless|loser|idiot|stupid|dumb|ugly|fat|gross|freak|retard|moron|weirdo|disgusting)",
    "(ew|eww|ewww|gross|yuck) (look at |)(his|her|their|your|ur) (face|teeth|nose|body|hair|skin|clothes)", "look at (his|her) (ugly|fat|gross)",
    "(stupid|fat|ugly|dumb|lazy|smelly) (cow|pig|cunt|bitch|loser|idiot|freak|dog)", "weirdo", "nobody invited (you|u)", "no one invited (you|u)",
    "(you're|youre|you are|ur) not invited", "(nobody|no one) (cares|asked) (about you|what you think|)", "(you|u) smell",
    "(don't|dont) (pick|choose|let) (him|her|them) (in|on|join|for)",
    "đồ (khốn|khốn nạn|đểu|hãm|hãm tài|não tàn|vô não|thất học|vô dụng|rác rưởi|bẩn thỉu|hôi thối|ăn hại|đần độn|mặt dày|chó|lợn|súc vật)",
    "(thằng|con|lũ|bọn|đứa) (khốn|khốn nạn|đểu|hãm|não tàn|vô não|thất học|điên|dở hơi|súc vật|ngu si|đần độn|mặt dày)", "(lũ|bọn) chó", "khốn nạn", "não tàn", "vô não",
    "(có|còn) não (không|k|ko|hông)", "não (để|bỏ) (đâu|ở đâu)", "không có não", "(mày|m|nó|cậu) bị (ngu|điên|khùng|thần kinh|hâm) (à|hả|à mà|hay sao|thật)",
    "(béo|mập) (ú|như lợn|như heo|thù lù|ị)", "lùn (tịt|như|thế|vãi)", "(mồm|miệng) (thối|hôi)", "hôi như (cú|chuột|chó)", "xấu (xí|như|vãi|vl|thế|kinh)",
    "(ai|chả ai|chẳng ai|không ai) (thèm |)(chơi|nói chuyện|làm bạn) (với |)(mày|m|nó|cậu|đứa như mày)", "(cút|biến) (đi|ra|khỏi)", "đồ (bỏ đi|thừa thãi)",
    "(you're|youre|you are|ur|u r|u are) (an |a |so |such a |really |)(annoying|pathetic|joke|clown|freak|trash|garbage|failure|disgrace|waste of space)",
    "(go |)kill (urself|yourself|ur self)", "(nobody|no one|noone) (likes|loves|wants|needs) (you|u|ya)", "get lost (loser|freak|idiot|)", "(ugly|fat|dumb|stupid) ass",
    "(everyone|everybody) (thinks|knows) (you're|youre|you are|ur) (weird|stupid|ugly|a loser|a freak)", "(you|u) (are|r) (so |)(ugly|fat|dumb|stupid)", "(shut|stfu) up (loser|idiot|freak|nerd)",
]  # fmt: skip

VIOLENCE = [
    "(tao|tớ|bố mày|bọn tao|tụi tao|tôi) (sẽ |)(giết|đánh|đập|chém|đâm|xử|xiên|đấm|tát|bắn|đốt|bóp cổ|băm|thịt) (mày|cậu|nó|cả nhà mày|bạn|thằng|con)",
    "(giết|đánh|đập|chém|đâm|xiên|đấm|tát|bắn|bóp cổ|băm) (chết|nhừ tử) (mày|cậu|nó|bạn|thằng|con)",
    "(đánh|đập|giết|chém|đâm|bắn|bóp cổ) (chết|nát|bỏ mẹ|vỡ mồm|vỡ mặt|gãy chân|gãy tay) (mày|m|nó|cậu|mi|đi|luôn|)",
    "cho (mày|m|nó|cậu|mi) (ăn đòn|ăn đấm|ăn tát|nhừ đòn|biết tay|sáng mắt|một trận|nằm viện|ăn dao)",
    "(tan học|ra về|chiều nay|mai|ra chơi) (đợi|chờ|gặp|ra gặp) (đấy|đó|tao|t|mày|m|nhé|ngoài cổng|ở cổng)",
    "ra (cổng trường|ngoài|cổng|sau trường) (đợi|chờ|gặp) (tao|t|bọn tao)",
    "(mang|cầm|đem|giấu) (dao|súng|mã tấu|gậy sắt|kiếm|bom|dao găm|côn) (đến|tới|vào|lên) (trường|lớp)",
    "(đặt|gài|ném) bom", "đánh bom", "nổ tung (trường|lớp|nhà)", "đốt (trường|lớp|nhà) (mày|m|nó|)",
    "xử (đẹp |)(mày|m|nó)", "(mày|m|mi) (chết|toi) (chắc|với tao|với t|rồi con|đi)", "liệu hồn",
    "coi chừng (tao|t|cái mạng)", "đánh hội đồng", "giết (hết|cả lớp|cả nhà)", "muốn chết à", "muốn ăn đòn à",
    "(i'll|ill|i will|im gonna|i'm gonna|i am going to|gonna|ima|i'ma|we will|we'll|im going to|i'm going to) (kill|beat|hurt|stab|shoot|punch|smash|murder|strangle|slap|break) (you|u|ya|him|her|them|your|ur)",
    "beat (you|u|ya) up", "kill (you|u|ya)", "(you're|youre|you are|ur|u r) (dead|so dead|gonna die|going to die)",
    "watch your back", "(bring|brought|bringing) a (gun|knife|weapon|bomb) to school", "shoot up the school",
    "(bomb|blow up|burn down) (the|this|our|your) (school|class|house)", "stab (you|u)", "i know where you live",
    "(meet|see) me outside (and fight|after school)", "fight me after school", "i will find you",
    "(you|u) will regret", "break your (legs|neck|face|arm|bones)", "punch (you|u) in the face",
    "cho (mày|m|nó|cậu|mi) ăn (đập|đòn|đấm|tát|dao|gạch|gậy)", "ăn đập", "(mà |)có súng (là|thì) (tao|t|tớ|mình) bắn", "bắn (hết|chết|sạch) (cả lớp|cả trường|bọn|tụi|mày|nó)",
    "(làm|chế|chế tạo) bom", "(mang|đem|cầm|mang theo) (bom|dao|súng|mã tấu|dao bấm|dao găm|gậy|gậy bóng chày|côn|tuýp sắt|axit) (vào|đến|tới|lên|theo)",
    "cho nổ (tung|trường|lớp)", "nổ tung", "đánh cho (nó|mày|m|cậu|thằng|con) (chừa|chết|nhừ|nhừ tử|một trận|bầm dập|khóc)",
    "(đấm|đánh|đập|tát) (vỡ|gãy|sưng|rụng|nát) (mồm|mặt|mõm|răng|đầu|mũi|chân|tay|sọ)", "(có|mang|cầm) dao (bấm|găm|phay|rựa|nhọn)",
    "hội đồng (nó|mày|m|thằng|con|đứa)", "vây đánh", "úp sọt", "(cả nhóm|cả bọn|anh em|ae|bọn tao|tụi tao) (vây|đánh|xử|đập|úp sọt|hội đồng)",
    "(tan học|tan hoc|ra về|ra chơi|ra chơi tao) (ra |đi |)(cổng sau|cổng trước|sau trường|nhà xe) (gặp|đợi|chờ)", "(ra|đợi|chờ|gặp) (ở |)cổng sau (gặp|đợi|chờ|) (tao|t|bọn tao)",
    "(lên|cho mày lên|cho nó lên) bàn thờ", "bẻ (cổ|tay|chân|răng|gãy) (mày|m|nó|cậu)", "đừng có chạy", "tao (đợi|chờ) (ở|mày|m)", "gậy bóng chày",
    "(cẩn thận|coi chừng|liệu) (tao|t) (đâm|chém|đánh|đập|xử)", "(tan học|tan hoc|ra về|ra chơi) biết tay", "biết tay (tao|t|bọn tao)",
    "(đánh|đập|xử) (nó|thằng|con) (đi|rồi) (quay|đăng|up)", "quay clip (đánh|lúc đánh)",
    "(bring|bringing|brought|take|carry) (a |my |the |)(knife|gun|weapon|bat|blade|bomb)", "(how to |)make a bomb", "(has|have|got) a gun",
    "where he keeps (it|the gun)", "jump (him|her|them) (after|at|outside|behind|tomorrow)", "(burn|set fire to) (his|her|your|their|ur) (house|home|car)",
    "(we'll|we will|i'll|ill|we gonna|we're gonna) (deal with|get|jump|handle) (him|her|them|you|u)", "(shoot|stab|kill) (everyone|everybody|them all|all of you)",
    "(giết|đâm|chém|đập|bắn|đánh|bóp cổ) chết (mày|m|nó|cậu|cả|hết|luôn|bây giờ)", "(tao|t) (giết|đâm|chém|xử|thịt) (mày|m|nó)", "(cho|đánh|đập|xử) (mày|m|nó) (một trận|1 trận|ra bã|tơi bời)",
    "(hẹn|ra|ra đây) (đánh nhau|solo|xử nhau|tỉ thí)", "solo (với tao|với t|1 1|một một|không|k)", "(mày|m) (xong|tiêu|toi) (rồi|đời) (con|thằng|với tao|)", "chết với (tao|t|bọn tao)",
    "tạt (axit|a xít|axít)", "(bắt cóc|đầu độc) (mày|m|nó|cậu|bạn|thằng|con)", "(bỏ|cho) thuốc (chuột|độc) (vào|cho)", "đốt (nhà|xe|cặp|sách vở) (mày|m|nó|của nó|của mày)",
    "(i'll|ill|i will|i'm gonna|im gonna|we'll|we will|gonna) (end|destroy|get|find|hunt|ruin|wreck) (you|u|ya|him|her)", "(fight|wait for) me (after|outside|behind|at)",
    "(you're|youre|you are|ur|he's|she's) (gonna|going to) get (hurt|beaten|jumped|stabbed|shot)", "(kill|stab|shoot|hurt|beat up) (him|her|them) (all|tomorrow|after school|at school)",
]  # fmt: skip

SELF_HARM = [
    "(em|tớ|mình|tôi|con|t|tao|e|mk|cháu) (muốn|mún|sẽ|định|đang nghĩ đến việc) (chết|tự tử|tự sát|chết đi|biến mất mãi mãi|kết thúc tất cả|tự làm đau mình|tự làm hại mình|cắt tay)",
    "~tự tử", "tự sát", "(muốn|mún|định|sẽ|nghĩ đến việc|nghĩ tới việc|nghĩ cách|cách|đi|hay là) tự (tử|sát)", "(không|chẳng|chả|k) (muốn|mún) sống (nữa|tiếp)", "chán sống", "muốn chết quách",
    "tự (làm đau|làm hại|hại|rạch tay|cắt tay) (mình|bản thân|em|tay)", "(cắt|rạch) tay (mình|em|tớ|)",
    "nhảy (lầu|cầu|sông) (tự tử|chết|cho xong|đây)", "uống (thuốc ngủ|thuốc chuột|thuốc sâu|hết thuốc)",
    "sống (làm gì nữa|chẳng để làm gì|không có ý nghĩa|không còn ý nghĩa)", "chết đi cho (xong|rồi|nhẹ)",
    "không ai (cần|thương|quan tâm|nhớ) (đến |)(em|tớ|mình|tôi|con|cháu)",
    "(em|tớ|mình|con|tôi) (là|chỉ là) (gánh nặng|đồ thừa|đồ bỏ đi)", "(kết thúc|chấm dứt) (cuộc đời|cuộc sống|tất cả|mọi thứ) (của |)(em|mình|tớ|tôi|con|)",
    "(em|tớ|mình|con|tôi) (không|chẳng) (còn |)(muốn|thiết) sống", "biến mất khỏi (thế giới|cuộc đời) này",
    "(kill|killing|hurt|hurting|cut|cutting|harm|harming) myself", "(want|wanna|wish i could|going to|want to|wanted to|gonna|i just want to|i really want to) die",
    "i want to be dead", "end my life", "suicide", "suicidal", "self harm", "self-harm", "selfharm",
    "(nobody|no one|noone) (would|will) (miss|care about|notice) me", "better off (dead|without me)",
    "(don't|dont|do not) want to (live|be alive|wake up)", "end it all", "i hate my life and want",
    "jump off (a|the) (bridge|building|roof)", "take all (my|the) pills", "(i'm|im|i am) going to end it",
    "i wish i (was|were) dead", "i wish i was never born", "no reason to live",
    "(em|mình|tớ|con|tôi|e|t) chết (đi |)thì (bố mẹ|mọi người|ai|bố|mẹ|cả nhà|ba mẹ|gia đình)", "(nếu|khi|lỡ) (em|mình|tớ|con|tôi|e|t) (chết|biến mất|không còn|ra đi)",
    "(không ai|chẳng ai|chả ai|k ai|ko ai|hông ai) (quan tâm|để ý|buồn|nhớ|cần|thương) (nếu |khi |đến |tới |)(mình|em|tớ|con|tôi|t|tao|e)",
    "biến mất (cho xong|mãi mãi|khỏi đời)", "nhảy (từ |)(tầng thượng|sân thượng|tầng|lầu|cầu|ban công) (xuống|cho xong|tự tử|chết)",
    "(uống|nuốt) (hết |cả |)(lọ|vỉ|hộp|cả lọ|cả vỉ) thuốc", "sẽ không còn (em|mình|tớ|con) (nữa|trên đời)", "(ngủ|nhắm mắt) (mãi|luôn) (không bao giờ |không |)(dậy|tỉnh|mở mắt)",
    "(muốn|mún) ngủ (mãi mãi|luôn không dậy|một giấc không dậy)", "thư (tuyệt mệnh|tạm biệt|vĩnh biệt)", "(viết|để lại) thư (tạm biệt|vĩnh biệt|tuyệt mệnh)",
    "(ghét|hận|căm ghét) bản thân", "(mình|em|tớ|con|tôi) đáng (bị đau|bị chết|chết|phải chết)", "(muốn|mún|chỉ muốn|thà) chết (đi|quách|cho xong|cho rồi|luôn|quá|lắm|thật)",
    "muốn chết", "mún chết", "chỉ muốn chết", "(muốn|mún) biến mất", "(mệt|chán) (mỏi |)(quá|lắm) (chỉ |)muốn (chết|biến mất|ngủ mãi)",
    "kms", "kill myself", "ending it all", "end it (all|tonight)", "unalive (myself|me)", "unalive", "(painless|easy|quick|best) (way|ways) to die",
    "how to (die|kill myself|end my life)", "(i|i just|i really) (want|wanna) to die", "i wish i could disappear", "(i|i'm|im) (better|better off) dead",
    "(không|chẳng|chả|k|ko) (còn |)(thiết|muốn) sống", "sống (không nổi|chẳng nổi) (nữa|)", "(muốn|mún) (được |)giải thoát", "(tự|tự mình) (rạch|cắt|làm đau|làm tổn thương|hại) (tay|mình|bản thân|chân)",
    "(rạch|cắt) (tay|cổ tay) (rồi|mấy lần|nữa|cho đỡ)", "vết (cắt|rạch) (trên|ở) (tay|cổ tay)", "(ước gì|ước) (mình|em|tớ|con|tôi) (chưa từng|không bao giờ) (được |)sinh ra",
    "(ước gì|ước) (mình|em|tớ|con|tôi) (chết|biến mất|không tồn tại)", "(mọi người|bố mẹ|cả nhà|ai cũng) (sẽ |)(vui|nhẹ nhõm|hạnh phúc) hơn (khi|nếu) (không có|thiếu|mất) (mình|em|tớ|con|tôi)",
    "thà chết (còn hơn|cho rồi|cho xong)", "(mình|em|tớ|con|tôi) là (gánh nặng|đồ vô dụng|đồ thừa) (của|cho) (mọi người|gia đình|bố mẹ)", "sống (làm gì|để làm gì) (nữa|)",
    "(don't|dont|do not) want to be (here|alive) anymore", "(can't|cant|cannot) (go on|take it) anymore", "i want to disappear", "(everyone|everybody|they) would be better off without me",
    "(i|i've|ive) (hurt|cut|cutting|been cutting|been hurting) (myself|my wrists|my arms)", "(i|i'm|im) going to (overdose|hurt myself|cut myself)", "life (isn't|is not|isnt) worth living",
    "no point (in |)living", "i wish i (wasn't|wasnt|was not) alive", "i want to sleep forever", "i want it (all |)to end", "(i|i really|i just) hate myself",
]  # fmt: skip

SEXUAL = [
    "địt nhau", "làm tình", "quan hệ tình dục", "ân ái", "phim (sex|người lớn|cấp ba|cấp 3|heo|đen|khiêu dâm|xxx|jav|18|nóng|con heo)",
    "khiêu dâm", "khỏa thân", "khoả thân", "lõa thể", "cởi (đồ|áo|quần|hết) (ra|cho|đi|anh xem|hết)",
    "(ảnh|hình|clip|video|phim) (nóng|nude|sex|khỏa thân|khoả thân|18|người lớn|đồi trụy|sex)",
    "nude", "nudes", "sex", "sexy", "porn", "porno", "pornhub", "xxx", "jav", "hentai", "xvideos",
    "thủ dâm", "sục (cặc|c|buồi|cu)", "bú (cu|cặc|buồi|lồn|vú|chim|l|c)", "liếm (lồn|l|cặc|vú)",
    "sờ (vú|ngực|mông|chim|bướm|vùng kín|cu|người em|đùi)", "(bóp|nắn) (vú|ngực|mông)", "chịch", "xoạc (nhau|em|nó|con|bé|mày)",
    "~nứng", "hiếp dâm", "~hiếp", "hiếp (em|mày|nó|con|bé)", "dâm dục", "dâm đãng", "đồ dâm", "dâm (quá|thế)", "vùng kín",
    "(cho|để) (anh|a|chú|tao|t|tớ|mình) (xem|coi|sờ|ngắm|thấy) (hàng|ngực|vú|chim|vùng kín|người|ti|mông|bướm)",
    "show hàng", "khoe hàng", "gạ tình", "onlyfans", "camsex", "lột đồ", "cởi truồng", "trần truồng",
    "con cu", "cu to", "(to|nhỏ|dài) như cặc", "lên giường", "ngủ với (anh|a|chú|tao|t)",
    "(dick|cock|nude|naked) pic", "dick pics", "send nudes", "blowjob", "blow job", "handjob", "horny",
    "masturbate", "masturbating", "masturbation", "orgasm", "boobs", "tits", "titties", "penis", "pussy",
    "cum", "jerk off", "jerking off", "strip for me", "take off your (clothes|shirt|pants)",
    "show me your (body|boobs|chest|butt|privates)", "rape", "slut", "whore", "sext", "sexting",
    "naked (photo|pic|picture|selfie|video|pics|photos|pictures)", "(get|be|are you|r u) naked",
    "(send|show) me (something|a pic|a photo) (sexy|naked|hot)", "make love", "have sex", "sex video",
    "sex tape", "18 (video|videos|pics|content)",
    "cho (xem|coi|sờ|nhìn|bóp) (ngực|vú|hàng|mông|chim|bướm|ti|đùi)", "(xem|coi|sờ|bóp) (ngực|vú|hàng|bướm) (đi|tí|nào|cái|với)", "cho sờ (tí|cái|chút|đi)",
    "(vú|ngực|mông|đít) (to|bự|khủng|đẹp|căng|tròn) (thế|quá|vậy|vl|vãi|ghê)", "lộ hàng", "phim xếch", "~xếch", "sếch", "sẽ gầy", "thích (sex|xếch|sẽ gầy)",
    "noodz", "nudez", "noods", "nudies", "send (n00dz|noodz|nudez|noods)",
    "(clip|ảnh|hình|video) (nóng|nude|khỏa thân|sex|18+|nhạy cảm) (của |)(em|mày|nó|con|bạn|nhỏ)", "lộ clip", "(cởi|cỡi) (áo|quần|đồ) (ra|đi|cho anh|cho a|cho tao)", "thẩm du", "quay tay",
    "(làm|chơi) chuyện ấy", "(vếu|ngực|vú) (khủng|to|bự|đẹp)", "gái (gọi|bán hoa|ngành)", "đi khách", "sugar daddy", "(hook up|hookup) (with|tonight)", "sleep with (me|you|u)",
    "(send|show|post) (me |)(ur|your|some) (nudes|boobs|body|butt|ass)", "(sexy|hot|naked) (pics|pictures|photos|selfies)", "nsfw", "p0rn", "b00bs", "d1ck",
]  # fmt: skip

GROOMING = [
    # age, school, being alone, where the child lives
    "(em|bạn|cháu|bé|nhóc|cậu|mày|m|e|b) (năm nay |)(mấy|bao nhiêu) tuổi",
    "(em|cháu|bé|e) (học|đang học) (lớp mấy|trường nào|ở trường nào)", "(em|cháu|bé) bao nhiêu tuổi (rồi|vậy|thế)",
    "(em|cháu|bé|bạn|e|con) (đang |)ở nhà một mình", "(ở nhà|nhà) (một mình|1 mình) (à|không|hả|k|ko|hông|chứ)",
    "nhà (em|cháu|bạn|e|bé) (có ai|có người|ai ở nhà|còn ai) (không|k|ko|hông|ở nhà|à|)",
    "bố mẹ (em|cháu|bạn|bé) (có ở nhà|đi vắng|có nhà|về lúc mấy giờ) (không|chưa|à|hả|)", "bố mẹ (em|cháu|bạn|bé) (đi vắng|về chưa)",
    "nhà (em|cháu|bé|e|bạn) ở (đâu|chỗ nào|phường nào|quận nào|đường nào)", "địa chỉ nhà (em|cháu|bé|e|bạn)",
    "(em|cháu|bé|e) (sống|ở) (ở |)(đâu|chỗ nào) (vậy|thế|đấy|)", "(tối nay|mấy giờ) (em|e|bé|cháu) (ở nhà|đi ngủ|có rảnh)",
    # secrecy
    "đừng (nói|kể|cho|báo|để) (với |cho |)(ai|bố mẹ|ba mẹ|cô giáo|cô|thầy|người lớn|bố|mẹ|ba|má|ai biết|ai hay)",
    "(bí mật|giữ bí mật) (của |giữa |riêng |)(hai|2) (anh em|chúng ta|đứa mình|mình|ta)", "giữ bí mật (nhé|nha|với|cho)",
    "chuyện (này|của) (hai|2) (đứa|anh em|chúng ta|mình) (thôi|nhé|nha|)", "không được (nói|kể) (với|cho) (ai|bố mẹ|ba mẹ)",
    "xóa (tin nhắn|đoạn chat|hết tin nhắn) (đi|sau khi đọc|nhé|nha)",
    "(don't|dont|do not) tell (anyone|anybody|your parents|your mom|your mum|your dad|your teacher|ur parents|ur mom|ur dad|mom|dad)",
    "our (little |)secret", "keep (it|this) (a |)secret", "delete (this|the|our) (message|messages|chat)",
    # moving to another platform or a private channel
    "(cho|xin) (anh|chú|mình|tớ|tao|) xin (zalo|facebook|nick|nick zalo|nick fb|insta|ig|tiktok|telegram|tele|snap|snapchat|discord|số zalo|link fb|link face|số|sđt|số điện thoại)",
    "(cho|xin) (zalo|facebook|nick|nick zalo|nick fb|insta|ig|tiktok|telegram|tele|snap|snapchat|discord|số zalo|link fb|link face|số|sđt|số điện thoại) (đi|nhé|được không|với|của em|em)",
    "(chat|nói chuyện|nhắn tin|ib|nhắn|inbox|tâm sự) riêng (với|cho) (anh|a|chú|tao|t|tớ|mình nhé|mình nha|anh nhé)",
    "(em|e|bé|cháu) (ib|inbox|nhắn|nhắn tin|chat) riêng (anh|a|chú|tao|t|đi|nhé|nha)",
    "(sang|qua|lên) (zalo|facebook|messenger|mess|telegram|tele|discord|snapchat) (nói chuyện|nhắn|chat|với anh|với chú|cho riêng tư)",
    "(zalo|facebook|telegram|snapchat|insta) (em|bé|cháu) là gì", "(em|bé|cháu) (có|dùng) (zalo|facebook|telegram|snapchat|tiktok) không",
    "(add|follow|message|text|dm|call) (me|us) (on|at) (zalo|facebook|fb|snapchat|snap|instagram|insta|ig|tiktok|discord|telegram|whatsapp|messenger|kik|line)",
    "dm me", "message me (privately|in private|alone)", "(text|call) me (privately|tonight|when you are alone)",
    "(what's|whats|what is|give me|send me) (your|ur) (snap|snapchat|insta|instagram|ig|discord|whatsapp|number|phone number|address|facebook|fb|zalo|telegram|kik)",
    "let's (talk|chat|move|continue) (on|to|in) (snapchat|snap|discord|telegram|whatsapp|instagram|zalo|telegram|private|dm|dms|kik)",
    "(private chat|private message me|talk in private|chat in private)",
    # photos and camera
    "cho (anh|chú|tao) (xem|coi|ngắm) (ảnh|hình|mặt|người|phòng|clip) (em|bé|cháu|của em)",
    "(chụp|quay) (ảnh|hình|video|clip) (em|e|bé|cháu) (đang tắm|ngủ|mặc|trong phòng)", "bật cam (cho|để) (anh|a|chú) (xem|coi|ngắm)",
    "send (me |)(a |some |your |)(pic|pics|picture|pictures|photo|photos|selfie|selfies|video) (of you|of yourself|of your)",
    "send me (a |some |your |)(pic|pics|picture|pictures|photo|photos|selfie|selfies)", "show me (your|ur) (face|body|room|picture|legs|feet)",
    "turn on (your|ur) (camera|cam|webcam) (for me|just for me|when alone)", "(can|could) i see (a pic|a picture|a photo) of you",
    # gifts and game credit
    "(nạp|tặng|bắn) (kim cương|kc|quân huy|robux|skin|thẻ cào|thẻ nạp|vbucks) (free fire|ff|liên quân|lq|roblox|pubg|) (miễn phí|free|cho em|cho bé|nhé)",
    "(free|miễn phí) (kim cương|kc|robux|skin|quân huy|vbucks|v-bucks|diamonds)", "(kim cương|kc|skin|robux|quà) (miễn phí|free) (cho|nè|đây)",
    "(i'll|ill|i will|i can|let me|i could) (buy|give|send|get|gift) (you|u) (robux|vbucks|v-bucks|skins|a gift|gifts|money|a gift card|gift cards|a skin|diamonds|a present|presents|a phone)",
    "free (robux|vbucks|v-bucks|skins|diamonds)",
    # meeting alone
    "(đi chơi|gặp|hẹn gặp|gặp nhau|đi ăn|đi) riêng (với |)(anh|a|chú|mình|tớ|tao|em|e|hai đứa)",
    "(anh|a|chú) (đón|rủ|chở|dẫn) (em|e|bé|cháu) (đi chơi|đi ăn|về nhà|đi xem phim|đi)",
    "hẹn (em|e|bé|cháu) (ở|tại|sau|ngoài|tối nay|cuối tuần)", "gặp (anh|a|chú) (ở|sau giờ học|sau khi tan học|ngoài cổng|tối nay|một mình)",
    "(em|e|bé|cháu) (ra|đến|tới) (gặp|chỗ) (anh|a|chú)", "(đến|qua|tới|sang) nhà (anh|a|chú) (chơi|đi|nhé|không|k)",
    "meet me (after school|alone|at|outside|in|tonight|tomorrow|somewhere|behind|near)", "meet up (alone|in person|irl)",
    "let's meet (alone|in person|up|irl|tonight|after school)", "come to my (house|place|car|room)", "i can pick you up",
    "(want|wanna|do you want) to meet (me|up|in person)", "(can|could) we meet",
    # attachment and flattery from an adult
    "làm (người yêu|ny|bạn gái|bạn trai|vợ) (anh|a|chú) (nhé|không|đi|k|ko|nha)", "(anh|chú) (yêu|thương|nhớ|mê) (em|bé|cháu) (lắm|quá|nhiều)",
    "(em|bé|cháu) (xinh|dễ thương|đáng yêu|sexy|gợi cảm|trưởng thành) (quá|thế|ghê|lắm) (anh|chú) (thích|yêu|muốn|mê)",
    "be my (girlfriend|boyfriend|gf|bf)", "(you're|youre|you are|ur) (so |very |)mature for your age", "you look older than",
    "(do you|d u) have a (boyfriend|girlfriend|bf|gf)", "(i|we) can be (special |secret |)friends", "(are|r) (you|u) (a |)(virgin|alone now)",
    "(what are|what r) (you|u) wearing", "(how old|how old are) (are |r |)(you|u)", "a/s/l", "asl",
    "(are|r) (you|u) (home |)alone", "home alone", "(are|r) (your|ur) parents (home|at home|out|away)",
    "(is|when is|when are) (anyone|anybody|your parents|your mom|your dad) (home|else home|coming home|out)",
    "where do (you|u) live", "what school do (you|u) go to", "which school (are you|do you go)",
    "(ib|inbox|nhắn) riêng (anh|a|chú|tao|t)", "(inbox|ib|nhắn|nhắn tin|chat|liên lạc) (cho |với |)(anh|a|chú) (đi|nhé|nha|riêng|để|anh|chỉ|ngay|luôn)", "(tải|cài|dùng|lên) (snapchat|snap|telegram|tele|zalo|discord|signal)",
    "tin nhắn tự (xóa|hủy|biến mất)", "không ai biết (đâu|được|hết|cả)", "(em|e|bé|bạn) có (người yêu|ny|bạn trai|bạn gái|bồ|gấu) chưa", "(anh|a|chú) thích (em|e|bé) (rồi|lắm|quá|mất rồi)",
    "(bạn|đồng nghiệp) của (bố|mẹ|ba|má) (em|e|cháu|bé)", "(bố|mẹ|ba|má) (em|e|cháu) (nhờ|bảo) (anh|a|chú) (đón|đưa|chở|dẫn)", "đừng (gọi|nhắn|báo) (cho |)(bố|mẹ|ba|má|bố mẹ|ba mẹ|cô|thầy)",
    "(năm nay |)mấy tuổi (rồi|vậy|thế|đấy|hả|à)", "(em|e|bé|cháu|bạn) sinh năm (bao nhiêu|mấy|nào)", "(em|e|bé|cháu) (xinh|dễ thương|đáng yêu|cute) (thế|quá|ghê|vậy) (năm nay|mấy tuổi|học lớp|ở đâu|có người yêu)",
    "(gửi|cho|gởi) (a|anh|chú|tao|t) (cái |tấm |mấy tấm |vài tấm |)(ảnh|hình|clip|video|selfie|pic)", "(tặng|nạp|cho|bắn) (e|em|bé|cháu) (kc|kim cương|quân huy|robux|skin|thẻ)",
    "(snap|dm|send|text) me (ur|your|some|) (pics|photos|nudes|pictures|selfies)", "snap me", "(add|hmu on|hit me up on) (snap|snapchat|insta|discord|telegram)",
    "(anh|a|chú) (sẽ |)(mua|tặng|nạp|cho) (em|e|bé|cháu) (điện thoại|tiền|quà|thẻ|kim cương|skin|acc|game|đồ)", "(làm|kết) bạn với (anh|a|chú) (nhé|nha|đi|không|k|ko)",
    "tin (anh|a|chú) đi", "chỉ (hai|2) (ta|chúng ta|anh em|đứa mình) (biết|thôi)", "(bố mẹ|ba mẹ) (em|e|cháu) (không|chẳng|k|ko) hiểu (em|e|cháu) (đâu|bằng anh)", "anh hiểu em (hơn|nhất)",
    "(gửi|gởi|cho) (ảnh|hình) (cho |để |)(anh|a|chú) (xem|coi|ngắm)", "(bật|mở) (camera|cam|webcam) (lên |)(cho|để) (anh|a|chú)", "(video call|gọi video|call video|facetime) (với |cho |)(anh|a|chú)",
    "(đi chơi|đi ăn|đi xem phim|gặp) (với |)(anh|a|chú) (không|k|ko|nhé|nha|đi|tối nay|cuối tuần)", "(anh|a|chú) (qua|đến|tới) (đón|đưa) (em|e|bé|cháu)", "cho (anh|a|chú) (xin |)địa chỉ",
    "what grade (are you|r u) in", "(you can|u can) trust me", "(i|i promise i) (won't|wont) tell (anyone|anybody|ur parents|your parents)", "(this is|it's|its) (just |)between (us|you and me)",
    "(video call|facetime|vc) me", "(you're|youre|ur|you are) (so |really |)(cute|pretty|beautiful|hot|sexy) (for your age|kid|girl)", "we should meet", "i can (drive|take) you",
]  # fmt: skip

# Cues that someone is handing out personal data; the values themselves
# (numbers, emails, addresses) are found by patterns in :mod:`.detect`.
PERSONAL_DATA = [
    "(số điện thoại|số|số zalo|zalo) (của |)(em|tớ|mình|tao|tôi|con|mẹ|bố|nhà|mẹ em|bố em|ba em) (là|nè|đây)",
    "(mật khẩu|pass|password|mật khẩu zoom|mật khẩu lớp|pass lớp|mật khẩu nick|pass nick) (của |)(em|tớ|mình|tao|tôi|lớp|zoom|nick|acc|) (là|nè|đây)",
    "(mã lớp|mã phòng|id phòng|id zoom|id meet|id lớp|mã tham gia|meeting id|room id|class code|passcode|join code|mã zoom|link zoom|link meet|link học)",
    "(nhà|địa chỉ nhà|địa chỉ) (em|tớ|mình|tao|tôi|con|cháu) (ở|là) (số|ngõ|ngách|hẻm|kiệt|đường|phố|thôn|xóm|khu|chung cư|tòa|phường|xã|ấp|tổ|căn hộ)",
    "(my|our) (address|home address|phone number|phone|number|cell|mobile|password|pin|email) is", "i live (at|on) (number |no |)",
    "my house is (at|on|number)", "(call|text|whatsapp) me (at|on) ", "(my|the) (zoom|meeting|class) (id|password|passcode|code) (is|:)",
    "(tài khoản|acc|nick) (của |)(em|tớ|mình|tao|t) là", "(username|user|tên đăng nhập) (là|is)",
    "(mã|số) (học sinh|hs|định danh|báo danh|cccd|cmnd|căn cước|thẻ) (của |)(em|tớ|mình|tao|tôi|con|mẹ em|bố em|mẹ|bố) (là|nè|đây)",
]  # fmt: skip

# Signals for scams; see the rules in detect.py.
SCAM_PAY = [
    "chuyển khoản", "số tài khoản", "stk", "nộp (tiền|phí|lệ phí|học phí|khoản phí|trước)", "đóng (tiền|phí|lệ phí|khoản phí)",
    "lệ phí", "phí (tham gia|đăng ký|xác nhận|kích hoạt|hồ sơ|xử lý|nhận thưởng|vận chuyển)", "momo", "ví điện tử",
    "mã otp", "otp", "thẻ cào", "nạp tiền", "chuyển tiền", "gửi tiền", "thanh toán", "chuyển (ngay |)(cho|vào|qua)",
    "tài khoản ngân hàng", "ngân hàng", "vietcombank", "techcombank", "agribank", "bidv", "mb bank", "vpbank",
    "bank transfer", "wire (money|the money)", "send (money|the money|payment)", "pay (a |the |)(fee|deposit)", "gift card",
    "gift cards", "bank account", "credit card", "card number", "verification code", "paypal", "payment", "deposit",
    "ck", "chuyển (vào|qua) (tài khoản|stk|số tài khoản|tk)", "vào tài khoản", "transfer", "to this account", "shipping fee", "quỹ lớp",
]  # fmt: skip
SCAM_AUTHORITY = [
    "bộ giáo dục", "bộ gd", "bộ gdđt", "bộ gd&đt", "bộ gd đt", "sở giáo dục", "sở gd", "sở gdđt", "sở gd&đt",
    "sở gd đt", "phòng giáo dục", "phòng gd", "phòng gdđt", "phòng gd&đt", "bộ trưởng", "công văn", "theo (quyết định|công văn|chỉ đạo|chương trình) (của |)(bộ|sở|phòng)",
    "thông báo khẩn", "chương trình của bộ", "ministry of education", "department of education", "moet",
    "education department", "education ministry", "official notice", "on behalf of the (school|ministry|department)",
    "hiệu trưởng", "thầy hiệu trưởng", "cô hiệu trưởng", "ban giám hiệu", "(cô|thầy|giáo viên) chủ nhiệm (nhờ|bảo|yêu cầu)", "nhà trường (yêu cầu|thông báo)",
    "principal", "headteacher", "head teacher", "school office", "principal's assistant",
]  # fmt: skip
SCAM_SELL = [
    "bán", "mua ngay", "giữ chỗ", "đặt cọc", "uy tín", "đặt mua", "đặt hàng", "giá (ưu đãi|rẻ|gốc|chỉ|sốc|khuyến mãi|đặc biệt)", "khuyến mãi", "giảm giá",
    "sale", "liên hệ", "inbox (ngay|để)", "for sale", "buy now", "discount", "order now", "special price", "cheap",
    "selling", "sell", "limited offer", "chỉ còn",
]  # fmt: skip
SCAM_ITEM = [
    "máy tính bảng", "laptop", "đề thi", "đáp án", "tài liệu", "sách", "khóa học", "sim", "điện thoại", "đồng phục",
    "thiết bị học tập", "sách giáo khoa", "exam answers", "answers", "test answers", "tablet", "tablets", "textbooks",
    "textbook", "laptops", "course", "uniform",
    "đề kiểm tra", "đề thi thật", "acc game", "nick game", "tài khoản game", "laptop miễn phí", "máy tính miễn phí",
]  # fmt: skip
SCAM_PRIZE = [
    "trúng thưởng", "nhận thưởng", "quà tặng", "chúc mừng (em|bạn|quý phụ huynh|phụ huynh|quý vị)", "may mắn (nhận|trúng|được chọn)",
    "được chọn", "học bổng", "phần thưởng", "won", "winner", "prize", "claim (your|the)", "free gift", "you have been selected",
    "congratulations", "scholarship", "reward",
    "nhận quà", "quà tri ân", "tri ân", "miễn phí", "free", "win a", "ps5", "iphone", "giveaway",
]  # fmt: skip
# Phrases that are a scam on their own.
SCAM = [
    "bán đề thi", "bán đáp án", "(có |)đáp án đề thi", "đề thi (có đáp án|thật|chính thức)", "lộ đề", "mua đề",
    "cung cấp (mã |)otp", "(gửi|đọc|cho) (mã |)otp", "trúng thưởng", "nhận (quà|thưởng) miễn phí", "click (vào |)link (để |)(nhận|trúng)",
    "exam answers for sale", "(buy|sell|selling) (the |)(exam|test) answers", "(share|send|give me) (your |the |)(otp|verification code)",
    "you (have |)won", "claim your prize",
    "(gửi|cho|đưa|nhắn) (mình|tớ|anh|tao|t|admin|bên mình|) (tài khoản|tk|acc|nick) (và|với|kèm|cùng) (mật khẩu|pass|mk|password)", "(tài khoản|tk|acc|nick) và mật khẩu (garena|game|ff|liên quân|roblox|zalo|facebook)",
    "kiếm tiền (online|tại nhà|dễ dàng|nhanh)", "việc nhẹ lương cao", "không cần vốn", "(nạp|chuyển|gửi) (ít|trước) nhận (nhiều|gấp đôi|x2|x10)", "nhân (đôi|3|ba) (số tiền|tài khoản)",
    "nhập mã thẻ (cào|nạp)", "(đổi|thay) số (mới|điện thoại mới)", "lưu số mới", "chuyển (khoản|tiền) gấp",
    "(account|acc) (will be|is going to be|has been) (suspended|locked|closed|deleted|disabled)", "verify (now|your account|your identity)", "(reply|replying|respond) with the code",
    "(send|give|tell|read) (me|us) (the|your|ur) (code|otp|0tp|pin|verification code)", "(the |your |)(otp|0tp) code", "share this (message|post) with (10|5|20|ten|five) friends",
    "(pay|cover) (the |a |)(shipping|delivery|processing|handling|registration) (fee|cost|charge)", "transfer (the |)(money|fee|club fee|payment|deposit) to",
    "(tài khoản|acc|nick) (của |)(bạn|em|quý phụ huynh|phụ huynh) (sẽ |đã |)bị (khóa|xóa|đình chỉ|vô hiệu hóa)", "xác (minh|nhận|thực) tài khoản (tại|ngay|qua)", "(bấm|nhấn|click|nhấp) (vào |)(link|đường link|liên kết) (để |này để |)(nhận|xác minh|đăng nhập|trúng)",
    "(bán|mua bán|pass lại|thanh lý) (acc|nick|tài khoản) (game|ff|free fire|liên quân|roblox|pubg|)", "cày thuê", "(nạp|bán) (kim cương|kc|thẻ|robux|quân huy) giá rẻ", "chiết khấu cao",
    "(click|tap) here to (claim|win|get|verify)", "claim your (reward|gift|prize)", "(your|ur) account (has been|will be) (hacked|suspended|locked|compromised)", "selling (accounts|robux|diamonds)",
    "(send|give) (me |us |)(the |your |)gift card (code|codes|number)", "cheap (robux|vbucks|v-bucks|diamonds|skins)",
]  # fmt: skip

# Signals combined by proximity (see detect.NEAR): asking to move to another
# app, asking for photos for an adult to look at, offering gifts.
GROOMING_MOVE = [
    "kết bạn", "add", "thêm", "inbox", "nhắn tin", "nhắn", "chat", "liên lạc", "gọi", "follow", "xin", "cho xin",
    "sang", "chuyển sang", "qua", "dùng",
]  # fmt: skip
GROOMING_PLATFORM = [
    "zalo", "facebook", "messenger", "mess", "telegram", "tele", "tiktok", "insta", "instagram", "ig", "snapchat",
    "snap", "discord", "viber", "skype", "whatsapp", "nick", "face",
    "tê lê gram", "tele gram", "zà lô", "phây búc", "face book", "in sta", "snap chat",
]  # fmt: skip
GROOMING_ADULT = ["(anh|chú|tao|a)", "(cho|để|gửi) (anh|chú|tao|a)"]
GROOMING_PHOTO = [
    "(gửi|gởi|chụp|send|quay|cho|xin) (ảnh|hình|clip|video|ảnh selfie|hình selfie|ảnh mặt|ảnh người)", "bật cam",
]  # fmt: skip
GROOMING_LOOK = ["(xem|coi|ngắm)"]
GROOMING_GIFT = [
    "(nạp|tặng|cho|mua|gửi|bắn|mua cho) (cho |)(em|bé|cháu|bạn|) (kim cương|kc|thẻ cào|thẻ nạp|card|quân huy|skin|robux|vbucks|tiền|quà|nick|acc|điện thoại|gấu bông)",
]  # fmt: skip

# Ordinary phrases that contain a listed word: a finding that lies wholly
# inside one of these is dropped (walnuts are "hạt óc chó", a piggy bank is
# "lợn đất", physics is "VL", "cc" is a copy in an e-mail).
INNOCENT = [
    "(hạt|quả|sữa|dầu|bánh|nhân|cây|vỏ) óc chó", "óc chó (rang|sấy|nướng|tách vỏ)", "(con |)(lợn|heo) (đất|tiết kiệm|con|quay|sữa|rừng|nái)",
    "(thịt|nuôi|chuồng|đàn|chăn nuôi|trại|bầy) (lợn|heo|bò)", "(vật lý|vật lí|môn|điểm|bài|sách|thi|kiểm tra|giờ|tiết|sgk|đề|học) vl",
    "vl (6|7|8|9|10|11|12|lớp)", "cc (trong|trên|của|khi|là|cho|và|hoặc) (email|thư|mail|gmail|bcc)", "(email|mail|thư|gmail|gửi|ô|mục|trường|dòng) (cc|bcc)",
    "moby dick", "philip k dick", "dick whittington", "dick van dyke", "(cười|nóng|lạnh|đói|buồn cười|sợ|vui|thèm|nhớ|ngon|hay|đẹp|khát|vội|lo) (muốn chết|gần chết|chết đi được|chết mất)",
    "(nước|bia|sữa|lon|cái lon) (nước ngọt|bò|bia|sữa)", "cái lon (nước|bia|sữa|sơn|thiếc|nhôm)", "hiệp sĩ", "hiep si", "(gạch|đồ gốm|lò) (nung|được nung)", "nung (gạch|nóng|chảy|đỏ)",
    "xoạc (chân|ngang|dọc)", "(dẻo|deo) dai", "từ từ", "tu tu (da|đã|thoi|thôi|nhe|nhé|nha)", "vd", "ví dụ", "(đủ|dù|du) (ma|mà) (khong|không|k)",
    "(nhân vật|lão hạc|ông|bà|anh ấy|chị ấy|cô ấy|ông ấy|bà ấy|hắn|nàng|chàng|vua|tướng|thúy kiều|kiều|mị|romeo|juliet|ông lão|bà lão) (đã |định |)(tự tử|tự sát)",
    "(vụ|các vụ|phòng chống|phòng ngừa|ngăn ngừa|nguy cơ|tỷ lệ|tỉ lệ|chống) (tự tử|tự sát)", "xin (số |)(zalo|facebook|sđt|số điện thoại|số|email|mail) (của |)(cô|thầy)",
    "(zalo|facebook|email|mail|sđt|số điện thoại) (của |)(cô|thầy|lớp|trường|nhóm lớp)", "(em |e |con |mình |)(có|dùng) (zalo|facebook|fb|messenger|email) (không|k|ko) (cô|thầy|ạ)",
    "(con |chim |)cu gáy", "chim cu",
]  # fmt: skip

LEXICONS: dict[str, list[str]] = {
    "profanity": PROFANITY,
    "harassment": HARASSMENT,
    "violence": VIOLENCE,
    "self_harm": SELF_HARM,
    "sexual": SEXUAL,
    "grooming": GROOMING,
    "personal_data": PERSONAL_DATA,
    "scam": SCAM,
    "scam.pay": SCAM_PAY,
    "scam.authority": SCAM_AUTHORITY,
    "scam.sell": SCAM_SELL,
    "scam.item": SCAM_ITEM,
    "scam.prize": SCAM_PRIZE,
    "grooming.move": GROOMING_MOVE,
    "grooming.platform": GROOMING_PLATFORM,
    "grooming.adult": GROOMING_ADULT,
    "grooming.photo": GROOMING_PHOTO,
    "grooming.look": GROOMING_LOOK,
    "grooming.gift": GROOMING_GIFT,
    "innocent": INNOCENT,
}

# Vietnamese teencode: how children actually type common words.
TEENCODE: dict[str, tuple[str, ...]] = {
    "không": ("k", "ko", "kg", "hok", "hông", "khum", "kô", "hem", "hum", "khg", "khônggg"),
    "em": ("e", "iem"),
    "anh": ("a", "ank"),
    "chị": ("c", "chế"),
    "mày": ("m", "mi", "mài"),
    "tao": ("t", "tau"),
    "mình": ("mk", "mik", "mh", "mềnh"),
    "được": ("dc", "đc", "đk", "dk", "đượt"),
    "gì": ("j", "ji", "gi", "zì"),
    "vậy": ("v", "z", "zậy", "dậy", "vại", "zị"),
    "bao nhiêu": ("bn", "bnh", "bao nhiu", "bao nhiu"),
    "với": ("vs", "vơi", "zới"),
    "nhắn tin": ("ib", "nt", "inbox"),
    "kết bạn": ("kb", "add"),
    "số điện thoại": ("sđt", "sdt", "số đt"),
    "biết": ("bít", "bik", "bt", "bik"),
    "rồi": ("r", "rùi", "ròi"),
    "yêu": ("iu", "iêu"),
    "người yêu": ("ny", "gấu"),
    "học": ("hc",),
    "lớp": ("lp",),
    "nhé": ("nha", "nhá", "nhe", "nhaa", "nhó"),
    "thôi": ("thui",),
    "tuổi": ("tủi",),
    "chưa": ("chx", "chứa"),
    "xem": ("coi", "xêm"),
    "zalo": ("zl", "za lô", "dalo", "zalô"),
    "facebook": ("fb", "face", "phây", "phở bò"),
    "ảnh": ("hình", "pic"),
    "quá": ("wá", "qá", "quớ"),
    "mẹ": ("mịa", "mẹc", "mệ"),
    "một mình": ("1 mình", "1 mk"),
    "hai": ("2",),
    "you": ("u", "ya"),
    "your": ("ur", "yr"),
    "are": ("r",),
    "you're": ("ur", "youre", "u r"),
    "what": ("wat", "wut"),
    "please": ("pls", "plz"),
}

_GROUP = re.compile(r"\(([^()]*)\)")
_SPACES = re.compile(r"\s+")
MAX_FORMS_PER_PATTERN = 20000


def expand(pattern: str) -> Iterator[str]:
    """Every phrase a pattern stands for (without teencode)."""
    parts: list[list[str]] = []
    last = 0
    for match in _GROUP.finditer(pattern):
        parts.append([pattern[last : match.start()]])
        parts.append(match.group(1).split("|"))
        last = match.end()
    parts.append([pattern[last:]])
    for choice in itertools.product(*parts):
        phrase = _SPACES.sub(" ", "".join(choice)).strip()
        if phrase:
            yield phrase


def with_teencode(phrase: str) -> set[str]:
    """The phrase and its teencode spellings."""
    forms = {phrase}
    for word, spellings in TEENCODE.items():
        if f" {word} " not in f" {phrase} ":
            continue
        grown: set[str] = set()
        for form in forms:
            padded = f" {form} "
            for spelling in spellings:
                grown.add(padded.replace(f" {word} ", f" {spelling} ").strip())
        forms |= grown
        if len(forms) > MAX_FORMS_PER_PATTERN:
            break
    return forms


STARRED = frozenset({"profanity", "sexual"})
_VOWELS = frozenset("aeiouyăâêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")


def _starred(word: str) -> Iterator[str]:
    """``f*ck``, ``sh*t``, ``đ*t``: one inner vowel hidden behind an asterisk."""
    if len(word) < 3:
        return
    for position in range(1, len(word) - 1):
        if word[position] in _VOWELS:
            yield f"{word[:position]}*{word[position + 1 :]}"


@dataclass(frozen=True, slots=True)
class Entry:
    """What a lexicon key means."""

    category: str
    phrase: str
    ambiguous_plain: bool
    plain: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "plain", strip_accents(self.phrase))


def _clean(phrase: str) -> str:
    # Keys are matched against the "words" view: letters and digits only,
    # except "*" (wildcard in the leet view) and "+" in "18+" which the views
    # turn into letters; keep such keys in the spelling the views produce.
    return " ".join(_NOT_KEY.sub(" ", phrase.lower()).split())


_NOT_KEY = re.compile(r"[^\w*]+|_")


def entries() -> Iterator[tuple[str, Entry]]:
    for category, patterns in LEXICONS.items():
        for pattern in patterns:
            ambiguous = pattern.startswith("~")
            for phrase in expand(pattern.lstrip("~")):
                for form in with_teencode(phrase):
                    key = _clean(form)
                    if not key:
                        continue
                    yield key, Entry(category, key, ambiguous)
                    if category not in STARRED:
                        continue
                    if " " not in key:
                        for starred in _starred(key):
                            yield starred, Entry(category, starred, False)
                    elif key.count(" ") <= 2 and not ambiguous:
                        # Spelt letter by letter the words run together: "đ ị t m ẹ" → "địtmẹ".
                        yield key.replace(" ", ""), Entry(category, key.replace(" ", ""), False)


@dataclass(slots=True)
class Automata:
    """``accented`` matches keys as typed; ``plain`` matches unaccented spellings of accented keys."""

    accented: ahocorasick.Automaton
    plain: ahocorasick.Automaton
    size: int


def _add(automaton: ahocorasick.Automaton, key: str, entry: Entry) -> None:
    padded = f" {key} "
    existing = automaton.get(padded, None)
    if existing is None:
        automaton.add_word(padded, (entry,))
    elif entry not in existing:
        automaton.add_word(padded, (*existing, entry))


_built: Automata | None = None
_building = threading.Lock()


def automata() -> Automata:
    """The automata over every lexicon, built once per process.

    Threads that ask while another builds wait for that build (about 2 s)
    instead of each building their own.
    """
    global _built
    if _built is None:
        with _building:
            if _built is None:
                _built = _build()
    return _built


def _build() -> Automata:
    accented = ahocorasick.Automaton()
    plain = ahocorasick.Automaton()
    size = 0
    for key, entry in entries():
        _add(accented, key, entry)
        size += 1
        if entry.plain != key:  # the key has accents (or đ): also match it typed plain
            _add(plain, entry.plain, entry)
    accented.make_automaton()
    plain.make_automaton()
    return Automata(accented, plain, size)


def iter_keys(category: str) -> Iterable[str]:
    """Every key of one category (for the benchmark's bare-automaton ceiling)."""
    return (key for key, entry in entries() if entry.category == category)

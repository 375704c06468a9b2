#!/usr/bin/env python3
"""A synthetic Vietnamese open-data catalogue, as JSON Lines, for search benchmarks.

    bench/catalog_gen.py [--datasets N] [--orgs N] [--seed S] [--out FILE]

Prints the organizations first ({"kind": "organization", ...organization_create
parameters}), then the datasets ({"kind": "dataset", ...package_create parameters}),
one JSON object a line, UTF-8. bench/catalog_load.py posts them to a server.

Deterministic: the same --seed and --orgs give the same catalogue, and dataset i does
not depend on --datasets, so a 10k catalogue is the first 10k datasets of the 1M one.
Streaming: one dataset is built, written and forgotten at a time, so memory does not
grow with --datasets (1M datasets are a few GB of output).

Python 3 standard library only. The agencies, topics and places are real Vietnamese
names; agency codes, people, numbers and URLs are made up.
"""
import argparse
import json
import random
import sys
import unicodedata

# --- Vocabulary ------------------------------------------------------------------------

# Provinces (kind, name, level-1 unit of the agency code) and some of their districts.
# Several provinces have a "huyện Châu Thành": real, and a good test of ambiguous places.
PROVINCES = [
    ("tỉnh", "Tây Ninh", "H57", ["thành phố Tây Ninh", "huyện Châu Thành", "huyện Gò Dầu",
                                 "huyện Tân Biên", "thị xã Hòa Thành", "thị xã Trảng Bàng"]),
    ("tỉnh", "Long An", "H41", ["thành phố Tân An", "huyện Đức Hòa", "huyện Cần Giuộc",
                                "huyện Châu Thành"]),
    ("tỉnh", "Nghệ An", "H40", ["thành phố Vinh", "thị xã Cửa Lò", "huyện Diễn Châu",
                                "huyện Quỳnh Lưu", "huyện Nghi Lộc"]),
    ("thành phố", "Đà Nẵng", "H19", ["quận Hải Châu", "quận Sơn Trà", "quận Liên Chiểu",
                                      "huyện Hòa Vang"]),
    ("tỉnh", "Hòa Bình", "H31", ["thành phố Hòa Bình", "huyện Mai Châu", "huyện Lương Sơn"]),
    ("tỉnh", "Đắk Lắk", "H17", ["thành phố Buôn Ma Thuột", "huyện Krông Pắc", "huyện Ea Kar"]),
    ("tỉnh", "Thừa Thiên Huế", "H56", ["thành phố Huế", "thị xã Hương Thủy", "huyện Phú Vang"]),
    ("thành phố", "Hà Nội", "H26", ["quận Ba Đình", "quận Hoàn Kiếm", "quận Cầu Giấy",
                                     "huyện Đông Anh"]),
    ("tỉnh", "Bà Rịa – Vũng Tàu", "H03", ["thành phố Vũng Tàu", "thành phố Bà Rịa",
                                          "huyện Côn Đảo", "huyện Long Điền"]),
    ("thành phố", "Hồ Chí Minh", "H29", ["thành phố Thủ Đức", "quận Bình Thạnh",
                                         "huyện Củ Chi", "huyện Cần Giờ"]),
    ("thành phố", "Cần Thơ", "H14", ["quận Ninh Kiều", "quận Cái Răng", "huyện Phong Điền"]),
    ("thành phố", "Hải Phòng", "H27", ["quận Hồng Bàng", "huyện Cát Hải", "huyện Thủy Nguyên"]),
    ("tỉnh", "Quảng Ninh", "H47", ["thành phố Hạ Long", "thành phố Móng Cái", "huyện Vân Đồn"]),
    ("tỉnh", "Lâm Đồng", "H36", ["thành phố Đà Lạt", "thành phố Bảo Lộc", "huyện Đức Trọng"]),
    ("tỉnh", "Khánh Hòa", "H34", ["thành phố Nha Trang", "thành phố Cam Ranh", "huyện Vạn Ninh"]),
    ("tỉnh", "Thanh Hóa", "H58", ["thành phố Thanh Hóa", "thành phố Sầm Sơn", "huyện Hoằng Hóa"]),
    ("tỉnh", "An Giang", "H01", ["thành phố Long Xuyên", "thành phố Châu Đốc", "huyện Châu Thành"]),
    ("tỉnh", "Bình Dương", "H09", ["thành phố Thủ Dầu Một", "thành phố Dĩ An", "thành phố Thuận An"]),
    ("tỉnh", "Đồng Nai", "H20", ["thành phố Biên Hòa", "thành phố Long Khánh", "huyện Nhơn Trạch"]),
    ("tỉnh", "Quảng Nam", "H45", ["thành phố Hội An", "thành phố Tam Kỳ", "thị xã Điện Bàn"]),
    ("tỉnh", "Bến Tre", "H07", ["thành phố Bến Tre", "huyện Châu Thành", "huyện Mỏ Cày Nam"]),
    ("tỉnh", "Lào Cai", "H37", ["thành phố Lào Cai", "thị xã Sa Pa", "huyện Bát Xát"]),
    ("tỉnh", "Gia Lai", "H24", ["thành phố Pleiku", "thị xã An Khê", "huyện Chư Sê"]),
    ("tỉnh", "Sóc Trăng", "H51", ["thành phố Sóc Trăng", "thị xã Vĩnh Châu", "huyện Kế Sách"]),
    ("tỉnh", "Hà Tĩnh", "H30", ["thành phố Hà Tĩnh", "thị xã Hồng Lĩnh", "huyện Nghi Xuân"]),
    ("tỉnh", "Thái Nguyên", "H55", ["thành phố Thái Nguyên", "thành phố Sông Công", "huyện Đại Từ"]),
    ("tỉnh", "Điện Biên", "H21", ["thành phố Điện Biên Phủ", "huyện Mường Nhé"]),
    ("tỉnh", "Kiên Giang", "H33", ["thành phố Rạch Giá", "thành phố Phú Quốc", "huyện Kiên Lương"]),
    ("tỉnh", "Bắc Ninh", "H06", ["thành phố Bắc Ninh", "thành phố Từ Sơn", "huyện Tiên Du"]),
]

# Agencies: key, name, e-mail domain prefix, publishing volume (relative). The statistics
# office and the natural resources department publish far more than the justice department.
AGENCIES = [
    ("cts", "Cục Thống kê", "cts", 10),
    ("stnmt", "Sở Tài nguyên và Môi trường", "stnmt", 8),
    ("syt", "Sở Y tế", "syt", 6),
    ("sgddt", "Sở Giáo dục và Đào tạo", "sgddt", 6),
    ("sgtvt", "Sở Giao thông vận tải", "sgtvt", 4),
    ("stc", "Sở Tài chính", "stc", 4),
    ("skhdt", "Sở Kế hoạch và Đầu tư", "skhdt", 4),
    ("snnptnt", "Sở Nông nghiệp và Phát triển nông thôn", "snnptnt", 4),
    ("sldtbxh", "Sở Lao động – Thương binh và Xã hội", "sldtbxh", 3),
    ("svhttdl", "Sở Văn hóa, Thể thao và Du lịch", "svhttdl", 3),
    ("stttt", "Sở Thông tin và Truyền thông", "stttt", 2),
    ("sxd", "Sở Xây dựng", "sxd", 2),
    ("sct", "Sở Công Thương", "sct", 2),
    ("skhcn", "Sở Khoa học và Công nghệ", "skhcn", 1),
    ("snv", "Sở Nội vụ", "snv", 1),
    ("stp", "Sở Tư pháp", "stp", 1),
    ("vpubnd", "Văn phòng Ủy ban nhân dân", "vpubnd", 2),
    ("ct", "Cục Thuế", "ct", 2),
    ("bhxh", "Bảo hiểm xã hội", "bhxh", 1),
]

# Topics: title phrase, themes (values of profiles/dataset.yaml), agencies that publish it,
# tags, usual update frequency, spatial (maps are more likely).
TOPICS = [
    ("Danh sách trường học", ["education"], ["sgddt"], ["giáo dục", "trường học"], "annual", False),
    ("Số lượng học sinh các cấp", ["education"], ["sgddt", "cts"], ["giáo dục", "học sinh"], "annual", False),
    ("Kết quả thi tốt nghiệp trung học phổ thông", ["education"], ["sgddt"], ["giáo dục", "thi tốt nghiệp"], "annual", False),
    ("Đội ngũ giáo viên theo trình độ đào tạo", ["education"], ["sgddt"], ["giáo viên", "giáo dục"], "annual", False),
    ("Danh sách cơ sở khám bệnh, chữa bệnh", ["health"], ["syt"], ["y tế", "bệnh viện"], "semiannual", True),
    ("Số giường bệnh tại các bệnh viện", ["health"], ["syt", "cts"], ["y tế", "giường bệnh"], "annual", False),
    ("Tình hình tiêm chủng mở rộng", ["health"], ["syt"], ["tiêm chủng", "y tế dự phòng"], "monthly", False),
    ("Danh sách nhà thuốc đạt chuẩn GPP", ["health"], ["syt"], ["nhà thuốc", "dược phẩm"], "quarterly", True),
    ("Số ca mắc bệnh truyền nhiễm", ["health"], ["syt"], ["dịch bệnh", "y tế dự phòng"], "weekly", False),
    ("Cơ sở đạt chứng nhận an toàn thực phẩm", ["health", "economy-trade"], ["syt", "sct", "snnptnt"], ["an toàn thực phẩm"], "quarterly", True),
    ("Số liệu dân số", ["society"], ["cts"], ["dân số", "thống kê"], "annual", False),
    ("Tỷ lệ hộ nghèo và cận nghèo", ["society"], ["sldtbxh", "cts"], ["giảm nghèo", "an sinh xã hội"], "annual", False),
    ("Lao động có việc làm theo ngành kinh tế", ["labour"], ["sldtbxh", "cts"], ["lao động", "việc làm"], "quarterly", False),
    ("Người có công với cách mạng", ["society"], ["sldtbxh"], ["người có công", "chính sách"], "annual", False),
    ("Doanh nghiệp đăng ký thành lập mới", ["economy-trade"], ["skhdt"], ["doanh nghiệp", "đăng ký kinh doanh"], "monthly", False),
    ("Dự án đầu tư được cấp giấy chứng nhận", ["economy-trade"], ["skhdt"], ["đầu tư", "dự án"], "quarterly", True),
    ("Tổng sản phẩm trên địa bàn (GRDP)", ["economy-trade"], ["cts"], ["GRDP", "tăng trưởng kinh tế"], "quarterly", False),
    ("Chỉ số giá tiêu dùng", ["economy-trade"], ["cts"], ["CPI", "giá cả"], "monthly", False),
    ("Dự toán ngân sách địa phương", ["finance"], ["stc"], ["ngân sách", "tài chính công"], "annual", False),
    ("Quyết toán thu chi ngân sách", ["finance"], ["stc"], ["ngân sách", "quyết toán"], "annual", False),
    ("Số thu thuế theo sắc thuế", ["finance"], ["ct"], ["thuế", "thu ngân sách"], "monthly", False),
    ("Hiện trạng sử dụng đất", ["environment", "agriculture"], ["stnmt"], ["đất đai", "quy hoạch"], "annual", True),
    ("Bảng giá đất", ["environment", "economy-trade"], ["stnmt"], ["giá đất", "đất đai"], "irregular", True),
    ("Quan trắc chất lượng không khí", ["environment"], ["stnmt"], ["môi trường", "không khí", "quan trắc"], "daily", True),
    ("Quan trắc chất lượng nước mặt", ["environment"], ["stnmt"], ["môi trường", "nước mặt", "quan trắc"], "monthly", True),
    ("Điểm thu gom chất thải rắn sinh hoạt", ["environment"], ["stnmt", "sxd"], ["rác thải", "môi trường"], "irregular", True),
    ("Mạng lưới đường giao thông", ["infrastructure"], ["sgtvt"], ["giao thông", "đường bộ"], "annual", True),
    ("Tuyến xe buýt và điểm dừng", ["infrastructure"], ["sgtvt"], ["xe buýt", "giao thông công cộng"], "irregular", True),
    ("Số vụ tai nạn giao thông", ["infrastructure", "society"], ["sgtvt"], ["tai nạn giao thông", "an toàn giao thông"], "monthly", False),
    ("Phương tiện giao thông đăng ký mới", ["infrastructure"], ["sgtvt"], ["phương tiện", "đăng kiểm"], "monthly", False),
    ("Diện tích gieo trồng lúa", ["agriculture"], ["snnptnt", "cts"], ["nông nghiệp", "lúa gạo"], "annual", True),
    ("Sản lượng cây ăn quả", ["agriculture"], ["snnptnt"], ["nông nghiệp", "cây ăn quả"], "annual", False),
    ("Đàn gia súc, gia cầm", ["agriculture"], ["snnptnt", "cts"], ["chăn nuôi", "gia cầm"], "semiannual", False),
    ("Hệ thống công trình thủy lợi", ["agriculture", "infrastructure"], ["snnptnt"], ["thủy lợi", "kênh mương"], "irregular", True),
    ("Di tích lịch sử – văn hóa", ["society", "local"], ["svhttdl"], ["di tích", "văn hóa"], "irregular", True),
    ("Nghệ nhân và làng nghề truyền thống", ["society", "economy-trade"], ["svhttdl", "sct"], ["làng nghề", "nghệ nhân"], "irregular", False),
    ("Lượt khách du lịch và doanh thu du lịch", ["economy-trade"], ["svhttdl", "cts"], ["du lịch", "khách du lịch"], "monthly", False),
    ("Cơ sở lưu trú du lịch", ["economy-trade"], ["svhttdl"], ["du lịch", "khách sạn"], "quarterly", True),
    ("Hạ tầng viễn thông và trạm phát sóng", ["technology", "infrastructure"], ["stttt"], ["viễn thông", "chuyển đổi số"], "annual", True),
    ("Dịch vụ công trực tuyến", ["technology"], ["stttt", "vpubnd"], ["dịch vụ công", "chuyển đổi số"], "monthly", False),
    ("Chợ, siêu thị và trung tâm thương mại", ["economy-trade"], ["sct"], ["thương mại", "chợ"], "annual", True),
    ("Sản lượng điện tiêu thụ", ["energy"], ["sct", "cts"], ["điện năng", "năng lượng"], "monthly", False),
    ("Dự án điện mặt trời", ["energy", "environment"], ["sct"], ["điện mặt trời", "năng lượng tái tạo"], "irregular", True),
    ("Giấy phép xây dựng đã cấp", ["infrastructure"], ["sxd"], ["xây dựng", "giấy phép"], "monthly", False),
    ("Dự án nhà ở xã hội", ["infrastructure", "society"], ["sxd"], ["nhà ở xã hội", "bất động sản"], "quarterly", True),
    ("Nhiệm vụ khoa học và công nghệ", ["technology"], ["skhcn"], ["khoa học", "công nghệ"], "annual", False),
    ("Biên chế công chức, viên chức", ["society"], ["snv"], ["công chức", "tổ chức bộ máy"], "annual", False),
    ("Đơn vị hành chính cấp xã", ["local"], ["snv", "cts"], ["địa giới hành chính", "cấp xã"], "irregular", True),
    ("Hồ sơ thủ tục hành chính đã giải quyết", ["local"], ["vpubnd"], ["thủ tục hành chính", "cải cách hành chính"], "monthly", False),
    ("Tổ chức hành nghề công chứng", ["society"], ["stp"], ["công chứng", "tư pháp"], "irregular", True),
    ("Số người tham gia bảo hiểm xã hội", ["labour"], ["bhxh"], ["bảo hiểm xã hội", "bảo hiểm y tế"], "quarterly", False),
]

FREQ_VI = {"continuous": "liên tục", "daily": "hằng ngày", "weekly": "hằng tuần",
           "monthly": "hằng tháng", "quarterly": "hằng quý", "semiannual": "sáu tháng một lần",
           "annual": "hằng năm", "biennial": "hai năm một lần", "irregular": "không định kỳ",
           "never": "không cập nhật", "unknown": "chưa xác định"}

# Topics that read well after "Danh sách" (a list of ...) or "Số liệu" (figures of ...).
LISTS = ("Cơ sở", "Tổ chức", "Điểm", "Chợ", "Di tích", "Nghệ nhân", "Dự án", "Tuyến", "Đơn vị")
FIGURES = ("Lao động", "Đàn", "Sản lượng", "Lượt", "Diện tích", "Hiện trạng", "Doanh nghiệp")
YEARS = list(range(2015, 2027))
SHARING = (["open", "shared", "restricted"], [70, 20, 10])
LICENSES = (["cc-by", "cc-zero", "odc-odbl", "other-open"], [45, 20, 15, 20])
FORMATS = ["CSV", "XLSX", "JSON", "PDF", "XML", "SHP", "GeoJSON"]
FORMAT_WEIGHTS = [30, 25, 12, 15, 6, 5, 7]
MAP_FORMAT_WEIGHTS = [15, 15, 8, 8, 4, 25, 25]  # spatial topics come as maps more often
# Most datasets have one or two files; a few have many.
RESOURCE_COUNTS = ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [30, 25, 15, 9, 7, 5, 3, 3, 2, 1])
EXTRA_TAGS = ["dữ liệu mở", "thống kê", "chuyển đổi số", "báo cáo", "danh mục", "cơ sở dữ liệu",
              "kinh tế - xã hội", "chính quyền số", "số liệu"]

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Minh", "Hữu", "Đức", "Thanh", "Ngọc", "Quốc", "Thu", "Hoài"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương",
         "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Phương", "Quân", "Sơn", "Tâm",
         "Thảo", "Trang", "Tuấn", "Vy", "Yến"]
POSITIONS = ["Chánh Văn phòng", "Phó Chánh Văn phòng", "Trưởng phòng Kế hoạch – Tài chính",
             "Phó Trưởng phòng Quản lý dữ liệu", "Chuyên viên phụ trách chuyển đổi số",
             "Giám đốc Trung tâm Công nghệ thông tin"]

# Sentences of a dataset's description. Slots: {topic} (lower case), {place}, {agency},
# {year}, {freq}, {n}, {m}, {unit}, {legal}.
NOTE_OPENERS = [
    "Bộ dữ liệu {topic} {place} năm {year} do {agency} tổng hợp từ báo cáo của các đơn vị trực thuộc.",
    "Dữ liệu {topic} trên địa bàn {place} được {agency} thu thập, chuẩn hóa và công bố năm {year}.",
    "Đây là tập dữ liệu về {topic} {place}, phản ánh tình hình thực tế đến hết năm {year}.",
]
NOTE_SENTENCES = [
    "Số liệu được cập nhật {freq} theo quy định về chế độ báo cáo thống kê.",
    "Dữ liệu gồm {n} bản ghi, mỗi bản ghi tương ứng với một {unit} và có mã định danh riêng.",
    "Các trường thông tin chính gồm tên đơn vị, địa chỉ, mã đơn vị hành chính, tọa độ và thời điểm cập nhật.",
    "Thông tin được đối chiếu với cơ sở dữ liệu quốc gia về dân cư trước khi công bố.",
    "Người dùng có thể tải về dưới nhiều định dạng để phục vụ nghiên cứu, phân tích và xây dựng ứng dụng.",
    "Dữ liệu được công bố theo {legal}.",
    "Trong kỳ báo cáo có {m} đơn vị cấp xã chưa gửi số liệu, các giá trị này được để trống.",
    "So với năm trước, số lượng bản ghi tăng khoảng {pct} phần trăm do bổ sung các đơn vị mới thành lập.",
    "Một số chỉ tiêu là số liệu sơ bộ và có thể được điều chỉnh trong các kỳ công bố sau.",
    "Đơn vị tính được ghi rõ trong từng cột; số tiền tính bằng triệu đồng, diện tích tính bằng héc-ta.",
    "Tọa độ địa lý sử dụng hệ quy chiếu VN-2000 và được chuyển đổi sang WGS 84 khi xuất bản.",
    "Mọi thắc mắc về nội dung dữ liệu xin liên hệ đầu mối của {agency}.",
    "Dữ liệu phục vụ công tác quản lý nhà nước, hoạch định chính sách và giám sát của người dân.",
    "Tên đơn vị hành chính được ghi theo danh mục do Tổng cục Thống kê ban hành.",
    "Các bản ghi trùng lặp đã được loại bỏ và địa chỉ đã được chuẩn hóa theo địa giới hành chính mới.",
    "Khi sử dụng lại dữ liệu, đề nghị ghi rõ nguồn là {agency}.",
    "Bộ dữ liệu là một phần của danh mục cơ sở dữ liệu dùng chung của tỉnh.",
    "Phạm vi dữ liệu bao gồm toàn bộ các xã, phường, thị trấn trên địa bàn {place}.",
    "Số liệu năm {year} được tổng hợp từ hệ thống phần mềm chuyên ngành và báo cáo giấy của cấp huyện.",
    "Dữ liệu được kết nối, chia sẻ qua nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP).",
    "Bảng dữ liệu có {k} cột, trong đó các cột ngày tháng theo định dạng năm-tháng-ngày.",
    "Các giá trị thiếu được đánh dấu rõ ràng và không được thay thế bằng số không.",
    "Nội dung mô tả chi tiết từng trường dữ liệu có trong tệp đính kèm dạng PDF.",
    "Người dùng nên kiểm tra ngày cập nhật gần nhất trước khi sử dụng dữ liệu cho báo cáo chính thức.",
    "Dữ liệu này hỗ trợ theo dõi tiến độ thực hiện kế hoạch phát triển kinh tế - xã hội giai đoạn 2021–2025.",
    "Trường hợp phát hiện sai sót, đề nghị phản ánh qua cổng dữ liệu để được xử lý kịp thời.",
]
UNITS = ["cơ sở", "đơn vị", "hộ gia đình", "xã, phường", "dự án", "điểm quan trắc", "tuyến đường",
         "trường học", "doanh nghiệp", "hồ sơ"]
LEGAL = [
    "Nghị định số 47/2020/NĐ-CP của Chính phủ về quản lý, kết nối và chia sẻ dữ liệu số của cơ quan nhà nước",
    "Luật Dữ liệu số 60/2024/QH15",
    "Luật Thống kê số 89/2015/QH13",
    "Quyết định số {q}/QĐ-UBND ngày {d}/{mo}/{y} của Ủy ban nhân dân {province} ban hành danh mục dữ liệu mở",
    "Kế hoạch số {q}/KH-UBND ngày {d}/{mo}/{y} của Ủy ban nhân dân {province} về phát triển dữ liệu mở",
]


# --- Helpers ---------------------------------------------------------------------------

def slug(text: str) -> str:
    """ASCII slug: fold diacritics (đ has none to fold: map it), lower case, dashes."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    out, dash = [], True
    for c in text:
        if c.isascii() and c.isalnum():
            out.append(c)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if n == 0:
            return s


def trim_slug(s: str, limit: int) -> str:
    """Cut a slug at a dash so that it fits in `limit` characters."""
    if len(s) <= limit:
        return s
    cut = s.rfind("-", 0, limit + 1)
    return s[:cut if cut > 0 else limit]


def tag(text: str) -> str:
    # CKAN tags allow letters, digits, spaces, "-", "_" and "."; the en dash is not one.
    return text.replace("–", "-").replace(",", "").replace("(", "").replace(")", "")


def province_full(p) -> str:
    return f"{p[0]} {p[1]}"


def person(rng):
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


# --- Organizations ---------------------------------------------------------------------

def organizations(rng, n):
    """n organizations: every agency of the first province, then of the next, ... so
    that a small catalogue still has every kind of agency."""
    orgs = []
    for k in range(n):
        a_idx = k % len(AGENCIES)
        p_idx = (k // len(AGENCIES)) % len(PROVINCES)
        key, agency, domain, volume = AGENCIES[a_idx]
        prov = PROVINCES[p_idx]
        title = f"{agency} {province_full(prov)}"
        name = slug(title)
        if k >= len(AGENCIES) * len(PROVINCES):  # more orgs than pairs: still unique
            name = f"{name}-{k}"
        focal = person(rng)
        given = slug(focal).split("-")
        email = f"{given[-1]}.{''.join(w[0] for w in given[:-1])}@{domain}.{slug(prov[1]).replace('-', '')}.gov.vn"
        org = {
            "kind": "organization",
            "name": name,
            "title": title,
            "description": (
                (f"{title} là cơ quan chuyên môn thuộc Ủy ban nhân dân {province_full(prov)}, có "
                 f"chức năng tham mưu, giúp Ủy ban nhân dân {prov[0]} quản lý nhà nước trong lĩnh "
                 f"vực được giao." if agency.startswith(("Sở", "Văn phòng")) else
                 f"{title} là cơ quan của trung ương đặt tại {province_full(prov)}.")
                + " Trang này công bố các bộ dữ liệu mở và dữ liệu chia sẻ do đơn vị cung cấp."),
            # Decision 20/2020/QĐ-TTg shape: ddd.dd.dd.Xdd (made-up levels, real-looking unit).
            "agency_code": f"000.00.{a_idx + 1:02d}.{prov[2]}",
            "focal_point_name": focal,
            "focal_point_position": rng.choice(POSITIONS),
            "focal_point_phone": f"0{rng.randint(200, 299)} {rng.randint(3500000, 3899999)}",
            "focal_point_email": email,
        }
        # Publishing volume: the agency's own weight, times a decaying factor so that the
        # first province's agencies (the portal's home) publish more than the others.
        weight = volume / (1 + p_idx) ** 0.8
        orgs.append((org, key, prov, weight))
    return orgs


# --- Datasets --------------------------------------------------------------------------

def period(rng, freq, year):
    """Title suffix and temporal coverage for a dataset of `year`."""
    r = rng.random()
    if freq == "monthly" and r < 0.5:
        m = rng.randint(1, 12)
        end_day = [31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return f"tháng {m}/{year}", f"{year}-{m:02d}-01", f"{year}-{m:02d}-{end_day:02d}"
    if freq in ("quarterly", "monthly") and r < 0.7:
        q = rng.randint(1, 4)
        end = ["03-31", "06-30", "09-30", "12-31"][q - 1]
        return f"quý {['I', 'II', 'III', 'IV'][q - 1]} năm {year}", f"{year}-{3 * q - 2:02d}-01", f"{year}-{end}"
    if r < 0.12 and year > 2016:
        start = rng.randint(2015, year - 1)
        return f"giai đoạn {start}–{year}", f"{start}-01-01", f"{year}-12-31"
    return f"năm {year}", f"{year}-01-01", f"{year}-12-31"


def legal_text(rng, prov):
    t = rng.choice(LEGAL)
    return t.format(q=rng.randint(100, 3999), d=rng.randint(1, 28), mo=rng.randint(1, 12),
                    y=rng.randint(2019, 2025), province=province_full(prov))


def subject(topic):
    """The topic as the object of a sentence: lower case, without a leading "Số liệu"."""
    if topic.startswith("Số liệu "):
        topic = topic[len("Số liệu "):]
    return topic[0].lower() + topic[1:]


def notes(rng, topic, place, agency, year, freq, prov):
    fill = dict(topic=subject(topic), place=place, agency=agency, year=year,
                freq=FREQ_VI[freq], n=f"{rng.randint(12, 250000):,}".replace(",", "."),
                m=rng.randint(1, 9), unit=rng.choice(UNITS), pct=rng.randint(2, 35),
                k=rng.randint(6, 40), legal=legal_text(rng, prov))
    body = rng.sample(NOTE_SENTENCES, rng.randint(6, 22))
    # Longer descriptions come in two paragraphs, as portals' often do.
    split = len(body) if len(body) < 12 else rng.randint(6, len(body) - 3)
    paragraphs = [[rng.choice(NOTE_OPENERS)] + body[:split], body[split:]]
    return "\n\n".join(" ".join(s.format(**fill) for s in para) for para in paragraphs if para)


def resources(rng, name, topic, title, year, spatial, prov_slug, domain):
    count = rng.choices(*RESOURCE_COUNTS)[0]
    weights = MAP_FORMAT_WEIGHTS if spatial else FORMAT_WEIGHTS
    out, used = [], set()
    for j in range(count):
        fmt = rng.choices(FORMATS, weights)[0]
        if fmt == "PDF":
            label = rng.choice(["Báo cáo", "Tài liệu mô tả", "Văn bản công bố"])
        elif fmt in ("SHP", "GeoJSON"):
            label = "Bản đồ"
        else:
            label = rng.choice(["Bảng số liệu", "Dữ liệu chi tiết", "Dữ liệu tổng hợp"])
        rname = f"{label} {subject(topic)} {year}"
        if rname in used:  # one name and URL per file
            rname += f" (phần {j + 1})"
        used.add(rname)
        ext = {"GeoJSON": "geojson", "SHP": "zip"}.get(fmt, fmt.lower())
        out.append({
            "name": rname,
            "url": f"https://data.example.vn/{prov_slug}/{domain}/{name}/{slug(rname)}.{ext}",
            "format": fmt,
            "description": f"{label} {title[0].lower() + title[1:]}, định dạng {fmt}.",
        })
    return out


def datasets(rng, orgs, n):
    cum = []
    total = 0.0
    for _, _, _, w in orgs:
        total += w
        cum.append(total)
    by_agency = {}
    for t in TOPICS:
        for a in t[2]:
            by_agency.setdefault(a, []).append(t)
    for i in range(n):
        org, akey, prov, _ = rng.choices(orgs, cum_weights=cum)[0]
        agency = org["title"]
        topic, themes, _, topic_tags, freq, spatial = rng.choice(by_agency.get(akey) or TOPICS)
        # Mostly the agency's own province or one of its districts; sometimes another
        # place (a statistics office publishing a regional comparison, a national mirror).
        r = rng.random()
        p = prov if r < 0.8 else rng.choice(PROVINCES)
        if rng.random() < 0.45:
            place = f"{p[0]} {p[1]}"
            spatial_text = place[0].upper() + place[1:]
        else:
            district = rng.choice(p[3])
            place = district
            spatial_text = f"{district[0].upper() + district[1:]}, {p[0]} {p[1]}"
        year = rng.choice(YEARS)
        if rng.random() < 0.15:  # not every dataset follows its topic's usual rhythm
            freq = rng.choice(list(FREQ_VI))
        when, start, end = period(rng, freq, year)
        lead = rng.random()
        if lead < 0.12:
            title = f"{topic} trên địa bàn {place} {when}"
        elif lead < 0.25 and topic.startswith(LISTS):
            title = f"Danh sách {subject(topic)} {place} {when}"
        elif lead < 0.25 and topic.startswith(FIGURES):
            title = f"Số liệu {subject(topic)} {place} {when}"
        else:
            title = f"{topic} {place} {when}"
        name = trim_slug(slug(title), 90) + "-" + b36(i)  # the suffix makes every name unique
        tags = list(topic_tags)
        tags.append(tag(p[1]))
        tags += rng.sample(EXTRA_TAGS, rng.randint(0, 2))
        tags = list(dict.fromkeys(tags))[: rng.randint(2, 6)]
        theme = list(themes)
        if place != f"{p[0]} {p[1]}" and "local" not in theme and rng.random() < 0.3:
            theme.append("local")
        ds = {
            "kind": "dataset",
            "name": name,
            "title": title,
            "notes": notes(rng, topic, place, agency, year, freq, prov),
            "owner_org": org["name"],
            "license_id": rng.choices(*LICENSES)[0],
            "sharing_level": rng.choices(*SHARING)[0],
            "tags": [{"name": t} for t in tags],
            "theme": theme,
            "update_frequency": freq,
            "spatial": spatial_text,
            "version": f"{rng.randint(1, 3)}.{rng.randint(0, 9)}",
            "resources": resources(rng, name, topic, title, year, spatial, slug(p[1]),
                                   org["focal_point_email"].split("@")[1].split(".")[0]),
        }
        if rng.random() < 0.85:
            ds["temporal_start"], ds["temporal_end"] = start, end
        if rng.random() < 0.6:
            ds["legal_basis"] = legal_text(rng, prov)
        yield ds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=int, default=10000)
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="write here instead of stdout")
    args = ap.parse_args()
    # Two generators from the seed: organizations first, then datasets, so that dataset i
    # is the same whatever --datasets is.
    org_rng = random.Random(f"{args.seed}/organizations")
    ds_rng = random.Random(f"{args.seed}/datasets")
    out = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    try:
        orgs = organizations(org_rng, args.orgs)
        for org, _, _, _ in orgs:
            out.write(dumps(org) + "\n")
        for ds in datasets(ds_rng, orgs, args.datasets):
            out.write(dumps(ds) + "\n")
        out.flush()
    except BrokenPipeError:  # `catalog_gen.py | head` is fine
        sys.stderr.close()
    finally:
        if args.out:
            out.close()


if __name__ == "__main__":
    main()

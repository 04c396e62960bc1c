"""Personal numbers never reach the public: masked where the kind says, in one place."""

from app.publication import mask_fields, mask_text


def test_id_numbers_keep_the_first_6_and_last_4():
    assert mask_text("340421199001011234") == "340421********1234"
    assert mask_text("34042119900101123X") == "340421********123X"
    assert mask_text("身份证号：340421199001011234。") == "身份证号：340421********1234。"
    assert mask_text("340421900101123") == "340421*****1123"  # the old 15 digits


def test_phone_numbers():
    assert mask_text("13812345678") == "138****5678"
    assert mask_text("电话 +86 13812345678，备用 0557-1234567") == "电话 138****5678，备用 0557-****4567"
    assert mask_text("05571234567") == "0557****4567"


def test_masking_twice_changes_nothing_and_longer_numbers_are_not_ids():
    once = mask_text("340421199001011234 13812345678")
    assert mask_text(once) == once
    assert mask_text("3404211990010112345") == "3404211990010112345"  # 19 digits: not an ID number
    assert mask_text(None) == ""


def test_only_the_labelled_fields_are_masked():
    pairs = [
        ["统一社会信用代码", "913413220000000010"],
        ["身份证号", "340421199001011234"],
        ["罚款金额", 5000],
    ]
    assert mask_fields(pairs, {"身份证号"}) == [
        ["统一社会信用代码", "913413220000000010"],  # 18 digits too, and public by law
        ["身份证号", "340421********1234"],
        ["罚款金额", "5000"],
    ]
